using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// One weights file known for a model, as data (torchvision's <c>Weights</c>): where the bytes are (embedded in the
/// package, or a URL whose file name carries a SHA-256 prefix), their hash and size, the evaluation preset, the
/// categories, and the published metrics. <see cref="Load"/> builds the model and loads the bytes strictly after
/// checking their hash; only bytes that passed that check may carry <see cref="Label"/>.
/// </summary>
public abstract record PretrainedWeights
{
    /// <summary>What the CLI and results files say of weights whose bytes were not verified against the catalogue.</summary>
    public const string NotVerified = "local file, not verified";

    private readonly string? fileName;
    private readonly string? sha256;

    private protected PretrainedWeights()
    {
    }

    /// <summary>The registry name of the model the weights fit (<c>resnet18</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The short name the CLI takes after the model (<c>imagenet1k-v1</c>).</summary>
    public required string Tag { get; init; }

    /// <summary>Whether these are the model's default weights (torchvision's <c>DEFAULT</c>; the CLI's <c>imagenet1k</c>).</summary>
    public bool IsDefault { get; init; }

    /// <summary>A unique name across the gallery: model and tag (<c>resnet18-imagenet1k-v1</c>).</summary>
    public string Name => $"{Model}-{Tag}";

    /// <summary>torchvision's name for them (<c>ResNet18_Weights.IMAGENET1K_V1</c>); null for the gallery's own.</summary>
    public string? TorchvisionName { get; init; }

    /// <summary>Where the file is published; null when it is embedded in the package.</summary>
    public Uri? Url { get; init; }

    /// <summary>The file's name: the last segment of <see cref="Url"/> (<c>resnet18-f37072fd.pth</c>), or the embedded file's.</summary>
    /// <exception cref="InvalidOperationException">An embedded entry was declared without a file name.</exception>
    public string FileName
    {
        get => fileName ?? (Url is { } url ? url.Segments[^1] : throw new InvalidOperationException($"{Name} has neither a URL nor a file name."));
        init => fileName = value;
    }

    /// <summary>
    /// The file's SHA-256 in lower-case hex: all 64 digits for an embedded file, else the prefix (8 or more digits)
    /// that a torchvision file name carries after its last '-', as torch.hub checks it.
    /// </summary>
    /// <exception cref="FormatException">Not given, and the file name carries no prefix.</exception>
    public string Sha256
    {
        get => sha256 ?? FileHashes.PrefixInName(FileName);
        init => sha256 = value.ToLowerInvariant();
    }

    /// <summary>The file's size in bytes; null where the exact size was not recorded (torchvision lists only rounded megabytes).</summary>
    public long? Bytes { get; init; }

    /// <summary>The evaluation preprocessing the metrics were measured with.</summary>
    public required ClassificationPreset Preset { get; init; }

    /// <summary>The category names, by class index.</summary>
    public required IReadOnlyList<string> Categories { get; init; }

    /// <summary>The data set the metrics are measured on (<c>ImageNet-1K</c>, <c>Fashion-MNIST</c>).</summary>
    public required string Dataset { get; init; }

    /// <summary>Published top-1 accuracy on <see cref="Dataset"/>'s validation or test split, in percent.</summary>
    public required double Top1 { get; init; }

    /// <summary>Published top-5 accuracy, in percent; null when not published.</summary>
    public double? Top5 { get; init; }

    /// <summary>Parameters of the model the file fits.</summary>
    public required long Parameters { get; init; }

    /// <summary>The smallest input side the model takes, as torchvision lists it.</summary>
    public required int MinSize { get; init; }

    /// <summary>How the weights were trained: a link, or the recipe and the command that reproduces them.</summary>
    public required string Recipe { get; init; }

    /// <summary>What the weights are, with their published accuracy (<c>ResNet18_Weights.IMAGENET1K_V1 (ImageNet-1K acc@1 69.8 %)</c>): show it only for a model whose bytes passed <see cref="VerifyFile"/>.</summary>
    public string Label => $"{TorchvisionName ?? Name} ({Dataset} acc@1 {Top1:0.0} %)";

    /// <summary>The embedded resource's name, for an embedded entry.</summary>
    internal string Resource => $"ModelGallery.Weights.Pretrained.{FileName}";

    /// <summary>
    /// Builds the model, loads the bytes strictly after checking their SHA-256 against <see cref="Sha256"/>, and sets
    /// eval mode. With another class count than <see cref="Categories"/>' (fine-tuning), everything but the classifier
    /// is loaded and the classifier keeps its fresh weights.
    /// </summary>
    /// <param name="path">
    /// A local copy of the file (torchvision's format, or safetensors), for instance from <c>WeightsDownloader</c> or
    /// placed by hand; null for the embedded file.
    /// </param>
    /// <param name="verifyHash">
    /// Check the file's hash first (once per process per file). False loads any file in this layout, with this
    /// preset: such a model holds a <see cref="NotVerified"/> file, not these weights. The embedded file is always checked.
    /// </param>
    /// <param name="numClasses">The model's class count; null for the categories' count.</param>
    /// <returns>A ready model; the caller disposes it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="path"/> is null and the file is not embedded (use <c>LoadAsync</c> of <c>ModelGallery.Hub</c>).</exception>
    /// <exception cref="InvalidDataException">The bytes' SHA-256 differs from <see cref="Sha256"/>, or the embedded file is missing.</exception>
    /// <exception cref="WeightsFileException">The file is not a valid weights file.</exception>
    /// <exception cref="WeightsMismatchException">The file's keys or shapes do not fit the model.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public GalleryModel Load(string? path = null, bool verifyHash = true, int? numClasses = null)
    {
        int classes = numClasses ?? Categories.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1, nameof(numClasses));
        var options = classes == Categories.Count ? LoadOptions.Default : LoadOptions.ExceptClassifier;
        if (path is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            if (verifyHash)
            {
                VerifyFile(path);
            }

            return Ready(classes, model => model.LoadWeights(path, options));
        }

        if (Url is not null)
        {
            throw new InvalidOperationException($"{Name} is downloaded, not embedded: pass the file's path, or call LoadAsync (package ModelGallery.Hub) to fetch it.");
        }

        using var copy = Embedded();
        return Ready(classes, model => model.LoadWeights(copy, Name, WeightsFormat.SafeTensors, options));
    }

    /// <summary>Checks that a file's SHA-256 starts with <see cref="Sha256"/> (hashed once per process while its length and time stay the same).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The file's full SHA-256, lower-case hex.</returns>
    /// <exception cref="InvalidDataException">It does not; the message names both hashes, the file and where the right one is.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public string VerifyFile(string path)
    {
        string hash = FileHashes.Sha256Of(path);
        return hash.StartsWith(Sha256, StringComparison.Ordinal) ? hash
            : throw new InvalidDataException($"'{path}' is not {FileName} ({Name}): its SHA-256 is {hash}, expected one starting with {Sha256}. "
                + (Url is null ? "Load the embedded file instead." : $"Delete it (the next LoadAsync downloads the file) or replace it with {Url}."));
    }

    /// <summary>Classifies one decoded image with a model holding these weights: <see cref="Preset"/>, then <see cref="GalleryModel.Predict"/> with <see cref="Categories"/>.</summary>
    /// <param name="model">The model, with these weights loaded.</param>
    /// <param name="image">3×H×W RGB, bytes on [0, 255] as decoded (<c>ModelGallery.Images.ImageFile.Read</c>) or floats on [0, 1].</param>
    /// <param name="topK">Classes to return, 1 to the category count.</param>
    /// <returns>The most probable classes, most probable first, with their names.</returns>
    /// <exception cref="ArgumentException">The image is not one 3×H×W RGB image, or the model's class count differs from the categories'.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to the category count.</exception>
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

    /// <summary>Turns raw logits into the top classes with their category names (Keras' <c>decode_predictions</c>).</summary>
    /// <param name="logits">N × (category count) logits.</param>
    /// <param name="topK">Classes per image, 1 to the category count.</param>
    /// <exception cref="ArgumentException">The logits are not N × (category count), or hold NaN or infinite values.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to the category count.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Decode(Tensor logits, int topK = 5)
    {
        ArgumentNullException.ThrowIfNull(logits);
        int classes = Categories.Count;
        Prediction.CheckRequest(Name, classes, topK, Categories);
        if (logits.dim() != 2 || logits.shape[1] != classes)
        {
            throw new ArgumentException($"{Name}.Decode expects N × {classes} logits; received [{string.Join(", ", logits.shape)}].", nameof(logits));
        }

        using var scope = NewDisposeScope();
        float[] values = logits.detach().to(ScalarType.Float32).cpu().data<float>().ToArray();
        return values.All(float.IsFinite) ? Prediction.TopK(values, classes, topK, Categories)
            : throw new ArgumentException($"{Name}.Decode received NaN or infinite logits.", nameof(logits));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Label})";

    /// <summary>Builds the model the file fits, freshly initialised, in eval mode (for tests of the catalogue).</summary>
    internal GalleryModel CreateModel() => Ready(Categories.Count, _ => { });

    /// <summary>Builds the model the file fits (with <paramref name="classes"/> classes), freshly initialised.</summary>
    private protected abstract GalleryModel Build(int classes);

    /// <summary>Build, load, eval; the model is disposed if loading throws.</summary>
    private GalleryModel Ready(int classes, Action<GalleryModel> load)
    {
        var model = Build(classes);
        try
        {
            load(model);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The embedded file, its SHA-256 checked.</summary>
    private MemoryStream Embedded()
    {
        using var stream = typeof(PretrainedWeights).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidDataException($"The weights '{Name}' are not embedded in {typeof(PretrainedWeights).Assembly.GetName().Name} (resource '{Resource}').");
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        string hash = Convert.ToHexStringLower(SHA256.HashData(copy.GetBuffer().AsSpan(0, (int)copy.Length)));
        if (hash != Sha256)
        {
            copy.Dispose();
            throw new InvalidDataException($"The embedded weights '{Name}' have SHA-256 {hash}, expected {Sha256}: the package is damaged.");
        }

        copy.Position = 0;
        return copy;
    }
}
