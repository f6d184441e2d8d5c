namespace ModelGallery.Modeling;

/// <summary>
/// One registered model (or variant): its names, its paper, its input, its default class count, how to build it and
/// its known weights. Each model file declares its own, from the constants its constructor uses; the registry
/// (<c>ModelZoo</c>) only lists them. Its parameter and MAC counts are facts written beside the model and held by the
/// tests to the counts measured from a model built at the defaults, so listing the registry builds no model.
/// </summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOptions, GalleryModel> factory;

    internal ModelInfo(string name, string displayName, Paper paper, InputShape input, int defaultClasses, ModelCost cost, Func<ModelOptions, GalleryModel> factory, IReadOnlyList<PretrainedWeights>? weights = null)
    {
        Name = name;
        DisplayName = displayName;
        Paper = paper;
        Input = input;
        DefaultClasses = defaultClasses;
        Weights = weights ?? [];
        Parameters = cost.Parameters;
        Macs = cost.Macs;
        this.factory = factory;
    }

    /// <summary>The registry name, lower case, as the CLI takes it (<c>googlenet</c>).</summary>
    public string Name { get; }

    /// <summary>The name the README's section heading uses (<c>GoogLeNet</c>, <c>VGG-16</c>).</summary>
    public string DisplayName { get; }

    /// <summary>The paper that introduced the architecture.</summary>
    public Paper Paper { get; }

    /// <summary>Shape of one input image at the default channel count.</summary>
    public InputShape Input { get; }

    /// <summary>Class count when none is given.</summary>
    public int DefaultClasses { get; }

    /// <summary>
    /// The weights known for this model, the default first: embedded in the package (LeNet-5's) or torchvision's
    /// ImageNet-1K files (downloaded by <c>ModelGallery.Hub</c>).
    /// </summary>
    public IReadOnlyList<PretrainedWeights> Weights { get; }

    /// <summary>Parameter count at the defaults (tested against the count of a model built at the defaults).</summary>
    public long Parameters { get; }

    /// <summary>
    /// Multiply-accumulates of one image at the defaults: convolutions and fully connected layers only, as torchvision
    /// publishes "GFLOPS" (tested against a traced pass of a model built at the defaults).
    /// </summary>
    public long Macs { get; }

    /// <summary>Builds the model with freshly initialised weights.</summary>
    /// <param name="options">Class count, input channels and dropout; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    /// <exception cref="ArgumentException">An option this model does not have was set.</exception>
    public GalleryModel Create(ModelOptions? options = null) => factory(options ?? ModelOptions.Default);

    /// <summary>
    /// The entry of <see cref="Weights"/> whose SHA-256 the file's bytes match (hashed once per process), whatever the
    /// file's name; null when none does, and the file must not be labelled as any of them.
    /// </summary>
    /// <param name="path">A weights file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public PretrainedWeights? FindWeights(string path)
    {
        if (Weights.Count == 0)
        {
            return null;
        }

        string hash = FileHashes.Sha256Of(path);
        return Weights.FirstOrDefault(w => hash.StartsWith(w.Sha256, StringComparison.Ordinal));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({DisplayName}, {Paper.Year})";
}
