using ModelGallery.Inspection;

namespace ModelGallery.Models;

/// <summary>
/// One registered model (or variant): its names, its paper, its input, its default class count, how to build it and
/// its known weights. Each model file declares its own, from the constants its constructor uses; the registry
/// (<c>ModelZoo</c>) only lists them. Parameter and MAC counts are measured from a model built at the defaults.
/// </summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOptions, GalleryModel> factory;
    private readonly Lazy<(long Parameters, long Macs)> measured;

    internal ModelInfo(string name, string displayName, Paper paper, InputShape input, int defaultClasses, Func<ModelOptions, GalleryModel> factory, IReadOnlyList<PretrainedWeights>? weights = null, IReadOnlyList<ImageNetWeights>? imageNetWeights = null)
    {
        Name = name;
        DisplayName = displayName;
        Paper = paper;
        Input = input;
        DefaultClasses = defaultClasses;
        Weights = weights ?? [];
        ImageNetWeights = imageNetWeights ?? [];
        this.factory = factory;
        measured = new(Measure);
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

    /// <summary>Parameter count at the defaults, measured (the first call builds the model once).</summary>
    public long Parameters => measured.Value.Parameters;

    /// <summary>Multiply-accumulates of one image at the defaults (convention: <see cref="ModelSummary"/>), measured by one traced pass.</summary>
    public long Macs => measured.Value.Macs;

    /// <summary>Builds the model with freshly initialised weights.</summary>
    /// <param name="options">Class count, input channels and dropout; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    /// <exception cref="ArgumentException">An option this model does not have was set.</exception>
    public GalleryModel Create(ModelOptions? options = null) => factory(options ?? ModelOptions.Default);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({DisplayName}, {Paper.Year})";

    private (long, long) Measure()
    {
        using var model = Create();
        return (model.parameters().Sum(p => p.numel()), ModelSummary.Create(model).TotalMacs);
    }
}
