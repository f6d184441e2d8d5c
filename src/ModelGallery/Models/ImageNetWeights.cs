using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ModelGallery.Data;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// One of torchvision's ImageNet-1K weight files for a gallery model, as data (torchvision 0.14's
/// <c>…_Weights.IMAGENET1K_V1</c> entries): where the file is, the SHA-256 prefix in its name, the published
/// accuracy, the 1000 categories and the preprocessing. The file itself is fetched by the <c>ModelGallery.Hub</c>
/// package (or placed by hand); <see cref="Load"/> builds the model and loads a local copy strictly.
/// </summary>
public abstract partial class ImageNetWeights
{
    private protected ImageNetWeights(string model) => Model = model;

    /// <summary>The registry name of the model the weights fit (<c>resnet18</c>).</summary>
    public string Model { get; }

    /// <summary>The short name the CLI takes after the model (<c>imagenet1k-v1</c>).</summary>
    public required string Tag { get; init; }

    /// <summary>Whether <c>imagenet1k</c> means these weights for this model (torchvision's <c>DEFAULT</c>).</summary>
    public bool IsDefault { get; init; }

    /// <summary>torchvision's name for them (<c>ResNet18_Weights.IMAGENET1K_V1</c>).</summary>
    public required string TorchvisionName { get; init; }

    /// <summary>Where torchvision publishes the file.</summary>
    public required Uri Url { get; init; }

    /// <summary>Parameters of the model the file fits, as torchvision lists them.</summary>
    public required long Parameters { get; init; }

    /// <summary>The smallest input side torchvision lists for the model.</summary>
    public required int MinSize { get; init; }

    /// <summary>Published top-1 accuracy on ImageNet-1K's validation set, in percent (single 224 crop).</summary>
    public required double Top1 { get; init; }

    /// <summary>Published top-5 accuracy, in percent.</summary>
    public required double Top5 { get; init; }

    /// <summary>The evaluation preprocessing the accuracy was measured with.</summary>
    public required ClassificationPreset Preset { get; init; }

    /// <summary>How the weights were trained.</summary>
    public required Uri Recipe { get; init; }

    /// <summary>The 1000 category names, by class index.</summary>
    public IReadOnlyList<string> Categories { get; } = ImageNet.Categories;

    /// <summary>A unique name across the gallery: model and tag (<c>resnet18-imagenet1k-v1</c>).</summary>
    public string Name => $"{Model}-{Tag}";

    /// <summary>The file's name (<c>resnet18-f37072fd.pth</c>), the last segment of <see cref="Url"/>.</summary>
    public string FileName => Url.Segments[^1];

    /// <summary>The hexadecimal prefix of the file's SHA-256 that its name carries, as torch.hub checks it.</summary>
    /// <exception cref="FormatException">The file name carries no hash (the entry is malformed).</exception>
    public string Sha256Prefix => HashInName().Match(FileName) is { Success: true } match ? match.Groups[1].Value
        : throw new FormatException($"The weights file name '{FileName}' carries no SHA-256 prefix ('<name>-<hex>.pth').");

    /// <summary>
    /// Builds the model, loads a local copy of the file strictly and sets eval mode. With another class count than
    /// 1000 (fine-tuning), everything but the classifier is loaded and the classifier keeps its fresh weights.
    /// </summary>
    /// <param name="path">The file (torchvision's format), for instance from <c>WeightsDownloader</c> or placed by hand.</param>
    /// <param name="verifyHash">Check first that the file's SHA-256 starts with <see cref="Sha256Prefix"/>.</param>
    /// <param name="numClasses">The model's class count; null for ImageNet's 1000.</param>
    /// <returns>A ready model; the caller disposes it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 1.</exception>
    /// <exception cref="InvalidDataException">The file's SHA-256 does not start with <see cref="Sha256Prefix"/>.</exception>
    /// <exception cref="WeightsFileException">The file is not a valid PyTorch file.</exception>
    /// <exception cref="WeightsMismatchException">The file's keys or shapes do not fit the model.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public GalleryModel Load(string path, bool verifyHash = true, int? numClasses = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int classes = numClasses ?? ImageNet.ClassCount;
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1, nameof(numClasses));
        if (verifyHash)
        {
            VerifyFile(path);
        }

        var model = Build(classes);
        try
        {
            model.LoadWeights(path, classes == ImageNet.ClassCount ? LoadOptions.Default : LoadOptions.ExceptClassifier, WeightsFormat.PyTorch);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Checks that a file's SHA-256 starts with <see cref="Sha256Prefix"/>.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The file's full SHA-256, lower-case hex.</returns>
    /// <exception cref="InvalidDataException">It does not; the message names both hashes and the file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public string VerifyFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The weights file '{path}' ({Name}) does not exist.", path);
        }

        string hash;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return hash.StartsWith(Sha256Prefix, StringComparison.Ordinal) ? hash
            : throw new InvalidDataException($"'{path}' is not {FileName}: its SHA-256 is {hash}, expected one starting with {Sha256Prefix}.");
    }

    /// <summary>
    /// Classifies one decoded image with a model holding these weights: <see cref="Preset"/>, then
    /// <see cref="GalleryModel.Predict"/> with the ImageNet category names.
    /// </summary>
    /// <param name="model">The model, with these weights loaded.</param>
    /// <param name="image">3×H×W RGB, bytes on [0, 255] as decoded (<c>ModelGallery.Images.ImageFile.Read</c>) or floats on [0, 1].</param>
    /// <param name="topK">Classes to return, 1 to 1000.</param>
    /// <returns>The most probable classes, most probable first, with their names.</returns>
    /// <exception cref="ArgumentException">The image is not a 3×H×W RGB image, or the model does not have 1000 classes.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to 1000.</exception>
    public IReadOnlyList<Prediction> Classify(GalleryModel model, Tensor image, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3)
        {
            throw new ArgumentException($"{Name}.Classify takes one 3×H×W image; received [{string.Join(", ", image.shape)}] (use Preset.Apply and Predict for a batch).", nameof(image));
        }

        using var scope = NewDisposeScope();
        return model.Predict(Preset.Apply(image).unsqueeze(0), topK, Categories)[0];
    }

    /// <summary>
    /// Turns raw logits into the top classes with their ImageNet names (Keras' <c>decode_predictions</c>).
    /// </summary>
    /// <param name="logits">N × 1000 logits.</param>
    /// <param name="topK">Classes per image, 1 to 1000.</param>
    /// <exception cref="ArgumentException">The logits are not N × 1000, or hold NaN or infinite values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to 1000.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Decode(Tensor logits, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(logits);
        Prediction.CheckRequest(Name, ImageNet.ClassCount, topK, Categories);
        if (logits.dim() != 2 || logits.shape[1] != ImageNet.ClassCount)
        {
            throw new ArgumentException($"{Name}.Decode expects N × {ImageNet.ClassCount} logits; received [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        using var scope = NewDisposeScope();
        float[] values = logits.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
        return values.All(float.IsFinite) ? Prediction.TopK(values, ImageNet.ClassCount, topK, Categories)
            : throw new ArgumentException($"{Name}.Decode received NaN or infinite logits.", nameof(logits));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({TorchvisionName}, acc@1 {Top1:0.###} %)";

    /// <summary>Builds the model the file fits, freshly initialised, in eval mode (for tests of the catalogue).</summary>
    internal GalleryModel CreateModel()
    {
        var model = Build(ImageNet.ClassCount);
        model.eval();
        return model;
    }

    /// <summary>Builds the model the file fits (with <paramref name="classes"/> classes), freshly initialised.</summary>
    private protected abstract GalleryModel Build(int classes);

    [GeneratedRegex("-([0-9a-f]{8,64})\\.[A-Za-z]+$")]
    private static partial Regex HashInName();
}

/// <summary>torchvision ImageNet-1K weights for <typeparamref name="TModel"/>: <see cref="Load"/> returns that type.</summary>
/// <typeparam name="TModel">The model class the weights fit.</typeparam>
/// <param name="model">The registry name of the model.</param>
/// <param name="build">Builds the model the file fits for a class count (1000 for the file as it is), with the variant's options.</param>
public sealed class ImageNetWeights<TModel>(string model, Func<int, TModel> build) : ImageNetWeights(model)
    where TModel : GalleryModel
{
    /// <inheritdoc cref="ImageNetWeights.Load"/>
    public new TModel Load(string path, bool verifyHash = true, int? numClasses = null) => (TModel)base.Load(path, verifyHash, numClasses);

    private protected override GalleryModel Build(int classes) => build(classes);
}
