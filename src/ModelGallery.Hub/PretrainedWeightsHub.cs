using ModelGallery.Modeling;
using ModelGallery.Models;

namespace ModelGallery.Hub;

/// <summary>
/// Ready models from the weights catalogue: <c>using var model = await ResNet.ResNet18ImageNet1K.LoadAsync();</c>
/// finds the file in the cache (the gallery's or PyTorch's) or downloads it, checks its SHA-256, and loads it strictly.
/// </summary>
public static class PretrainedWeightsHub
{
    /// <summary>
    /// The catalogue entry's file: its URL, name, the SHA-256 prefix its name carries, and its byte budget: the entry's
    /// recorded size, or, where none was recorded, its parameters as float32 plus 5 % and 1 MiB (buffers and the pickle's
    /// framing; enough for a plain model, not for a file that also holds auxiliary heads, which is why the catalogue's
    /// zoo entries all record their size).
    /// </summary>
    /// <param name="weights">A catalogue entry with a URL.</param>
    /// <exception cref="ArgumentException">The entry is embedded in the package and has no URL.</exception>
    public static WeightsFile ToWeightsFile(this PretrainedWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        return weights.Url is { } url ? new(url, weights.FileName, weights.Sha256) { MaxBytes = weights.Bytes ?? (long)Math.Ceiling((weights.Parameters * 4 * 1.05) + (1 << 20)) }
            : throw new ArgumentException($"{weights.Name} is embedded in the package; it has no file to download.", nameof(weights));
    }

    /// <summary>
    /// Gets the weights' file (from the cache, or downloaded with its SHA-256 checked before it takes its name), checks
    /// a cached file's SHA-256 once per process (a file placed by hand too), builds the model, loads the file strictly
    /// and sets eval mode. Embedded weights are loaded from the package, with no cache or download.
    /// </summary>
    /// <typeparam name="TModel">The model class the weights fit.</typeparam>
    /// <param name="weights">A catalogue entry such as <c>ResNet.ResNet18ImageNet1K</c>.</param>
    /// <param name="downloader">The cache and server to use; null for the default cache (<c>MODELGALLERY_HOME</c>, …) and torchvision's server (or <c>MODELGALLERY_WEIGHTS_URL</c>).</param>
    /// <param name="progress">Told how far a download has come.</param>
    /// <param name="numClasses">The model's class count; null for the categories' count. Another count loads everything but the classifier (fine-tuning).</param>
    /// <param name="cancellationToken">Stops a download; its partial file stays for the next call.</param>
    /// <returns>A ready model; the caller disposes it.</returns>
    /// <exception cref="WeightsDownloadException">The file is not cached and cannot be downloaded (the message names the URL, the cause and where to place the file by hand).</exception>
    /// <exception cref="InvalidDataException">The cached file's SHA-256 is not the catalogue's (the message says to delete or replace it).</exception>
    /// <exception cref="ModelGallery.Weights.WeightsFileException">The cached file is not a valid PyTorch file.</exception>
    /// <exception cref="ModelGallery.Weights.WeightsMismatchException">The cached file does not fit the model.</exception>
    public static async Task<TModel> LoadAsync<TModel>(this PretrainedWeights<TModel> weights, WeightsDownloader? downloader = null, IProgress<DownloadProgress>? progress = null, int? numClasses = null, CancellationToken cancellationToken = default)
        where TModel : GalleryModel
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Url is null)
        {
            return weights.Load(numClasses: numClasses);
        }

        using var owned = downloader is null ? new WeightsDownloader(new WeightsCache()) : null;
        string path = await (downloader ?? owned!).GetAsync(weights.ToWeightsFile(), progress, cancellationToken).ConfigureAwait(false);
        return weights.Load(path, verifyHash: true, numClasses);
    }
}
