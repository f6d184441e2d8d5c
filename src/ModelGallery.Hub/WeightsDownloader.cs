using System.Globalization;
using Polly;
using Polly.Retry;

namespace ModelGallery.Hub;

/// <summary>
/// Downloads weight files into a <see cref="WeightsCache"/>, once: the bytes go to <c>&lt;name&gt;.partial</c> beside
/// the final file, their SHA-256 is checked against <see cref="WeightsFile.Sha256Prefix"/>, and only then is the
/// partial renamed to the final name, so a file under that name is always whole and right.
/// </summary>
/// <remarks>
/// Transient failures (HTTP 5xx, 408, 429, connection errors and breaks, timeouts) are retried by a Polly retry
/// pipeline with exponential backoff, each attempt resuming the partial file with an HTTP Range request; other statuses
/// fail at once. An interrupted or cancelled download keeps its partial file, and the next call resumes it. Threads and
/// processes asking for the same file take turns on the lock file <c>&lt;name&gt;.lock</c>; one downloads, the others
/// find the file in the cache when their turn comes.
/// </remarks>
public sealed class WeightsDownloader : IDisposable
{
    private readonly WeightsCache cache;
    private readonly WeightsDownloadOptions options;
    private readonly HttpClient client;
    private readonly bool ownsClient;
    private readonly ResiliencePipeline retries;
    private readonly Uri? mirror;
    private bool disposed;

    /// <summary>A downloader into <paramref name="cache"/>.</summary>
    /// <param name="cache">Where files are looked for and saved.</param>
    /// <param name="options">How to reach the server; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range, or <c>MODELGALLERY_WEIGHTS_URL</c> is not an http(s) URL (the message names which).</exception>
    public WeightsDownloader(WeightsCache cache, WeightsDownloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        this.cache = cache;
        this.options = (options ?? new WeightsDownloadOptions()).Validated();
        mirror = this.options.BaseUrl ?? MirrorFromEnvironment(cache);
        ownsClient = this.options.HttpClient is null;
        client = this.options.HttpClient ?? new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        retries = this.options.Retries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is DownloadAttemptException { IsTransient: true }),
                MaxRetryAttempts = this.options.Retries,
                Delay = this.options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromMinutes(1),
            })
            .Build();
    }

    /// <summary>Where files are looked for and saved.</summary>
    public WeightsCache Cache => cache;

    /// <summary>
    /// The local path of <paramref name="file"/>: found in the cache (the gallery's, then PyTorch's) without any
    /// request, or downloaded, checked and saved under <see cref="WeightsCache.PathOf"/>.
    /// </summary>
    /// <param name="file">The weight file.</param>
    /// <param name="progress">Told how far the download has come (at most every 100 ms, and once at the end).</param>
    /// <param name="cancellationToken">Stops the download (or the wait for another's); the partial file stays for the next call.</param>
    /// <exception cref="WeightsDownloadException">
    /// The server refused the file, the retries ran out, the bytes are not the expected file, or the cache folder
    /// cannot be written; nothing is left under the final name.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> GetAsync(WeightsFile file, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (cache.Find(file) is { } cached)
        {
            return cached;
        }

        Uri url = SourceOf(file);
        string target = cache.PathOf(file);
        try
        {
            Directory.CreateDirectory(cache.Directory);
            await using var held = await FileLock.AcquireAsync(target + ".lock", options.LockPollInterval, cancellationToken).ConfigureAwait(false);
            if (cache.Find(file) is { } arrived)
            {
                return arrived; // another thread or process downloaded it while this one waited
            }

            await DownloadAsync(file, url, target, progress, cancellationToken).ConfigureAwait(false);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not WeightsDownloadException)
        {
            throw new WeightsDownloadException(
                $"Cannot save {url} in the cache folder {cache.Directory}: {e.Message} {WeightsDownloadException.ByHand(url, target)}", url, target, innerException: e);
        }
    }

    /// <summary>The URL <paramref name="file"/> is requested from: its own, or the mirror's base URL followed by its file name.</summary>
    /// <param name="file">The weight file.</param>
    public Uri SourceOf(WeightsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (mirror is null)
        {
            return file.Url;
        }

        string text = mirror.AbsoluteUri;
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), Uri.EscapeDataString(file.FileName));
    }

    /// <summary>Disposes the HTTP client if the downloader made it.</summary>
    public void Dispose()
    {
        if (!disposed && ownsClient)
        {
            client.Dispose();
        }

        disposed = true;
    }

    private static Uri? MirrorFromEnvironment(WeightsCache cache)
    {
        if (cache.Variable("MODELGALLERY_WEIGHTS_URL") is not { } variable)
        {
            return null;
        }

        return Uri.TryCreate(variable, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"Expected MODELGALLERY_WEIGHTS_URL to be an absolute http or https URL; received '{variable}'.", nameof(cache));
    }

    /// <summary>Downloads into the partial file with retries, checks its hash, and renames it to <paramref name="target"/>.</summary>
    private async Task DownloadAsync(WeightsFile file, Uri url, string target, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string partial = target + ".partial";
        var transfer = new Transfer(client, url, partial, options.Timeout, progress);
        try
        {
            await retries.ExecuteAsync(static (transfer, token) => transfer.RunAttemptAsync(token), transfer, cancellationToken).ConfigureAwait(false);
        }
        catch (DownloadAttemptException e)
        {
            string tries = e.IsTransient && options.Retries > 0 ? string.Create(CultureInfo.InvariantCulture, $" (after {options.Retries + 1} attempts)") : string.Empty;
            throw new WeightsDownloadException(
                $"Cannot download {url}: {e.Message}{tries}. {WeightsDownloadException.ByHand(url, target)}", url, target, e.StatusCode, e);
        }

        string actual = WeightsCache.Sha256Of(partial);
        if (!actual.StartsWith(file.Sha256Prefix, StringComparison.Ordinal))
        {
            File.Delete(partial);
            throw new WeightsDownloadException(
                $"The file downloaded from {url} is not the expected one: its SHA-256 is {actual}, which does not start with {file.Sha256Prefix}. "
                + $"It was deleted and nothing was saved as {target}. {WeightsDownloadException.ByHand(url, target)}",
                url, target);
        }

        try
        {
            File.Move(partial, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(partial); // placed by hand meanwhile, outside the lock: keep that one
        }
    }
}
