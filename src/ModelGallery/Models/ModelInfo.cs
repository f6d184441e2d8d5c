namespace ModelGallery.Models;

/// <summary>
/// One registered model (or variant): its names, its paper, its input, its default class count, how to build it and
/// its known weights. Each model file declares its own, from the constants its constructor uses; the registry
/// (<c>ModelZoo</c>) only lists them. Its parameter and MAC counts are facts written beside the model and held by the
/// tests to the counts measured from a model built at the defaults, so listing the registry builds no model.
/// </summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOptions, GalleryModel> factory;

    internal ModelInfo(string name, string displayName, Paper paper, InputShape input, int defaultClasses, ModelCost cost, Func<ModelOptions, GalleryModel> factory, IReadOnlyList<PretrainedWeights>? weights = null, IReadOnlyList<ImageNetWeights>? imageNetWeights = null)
    {
        Name = name;
        DisplayName = displayName;
        Paper = paper;
        Input = input;
        DefaultClasses = defaultClasses;
        Weights = weights ?? [];
        ImageNetWeights = imageNetWeights ?? [];
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

    /// <summary>The weights known for this model, such as ones shipped in the package.</summary>
    public IReadOnlyList<PretrainedWeights> Weights { get; }

    /// <summary>torchvision's ImageNet-1K weight files that fit this model (downloaded by <c>ModelGallery.Hub</c>), the default first.</summary>
    public IReadOnlyList<ImageNetWeights> ImageNetWeights { get; }

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

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({DisplayName}, {Paper.Year})";
}
