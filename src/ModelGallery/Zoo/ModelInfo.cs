using ModelGallery.Models;

namespace ModelGallery.Zoo;

/// <summary>What the registry knows of one model: its paper, its input, its size and cost at the defaults, and how to build it.</summary>
public sealed class ModelInfo
{
    private readonly Func<ModelOptions, GalleryModel> factory;

    internal ModelInfo(string name, string displayName, string paperTitle, int year, Uri link, InputShape input, int defaultClasses, long parameters, long macs, Func<ModelOptions, GalleryModel> factory)
    {
        Name = name;
        DisplayName = displayName;
        PaperTitle = paperTitle;
        Year = year;
        Link = link;
        Input = input;
        DefaultClasses = defaultClasses;
        Parameters = parameters;
        Macs = macs;
        this.factory = factory;
    }

    /// <summary>The registry name, lower case, as the CLI takes it (<c>googlenet</c>).</summary>
    public string Name { get; }

    /// <summary>The name the README's section heading uses (<c>GoogLeNet</c>, <c>VGG-16</c>).</summary>
    public string DisplayName { get; }

    /// <summary>Title of the paper that introduced the architecture.</summary>
    public string PaperTitle { get; }

    /// <summary>Year of the paper.</summary>
    public int Year { get; }

    /// <summary>Where to read the paper.</summary>
    public Uri Link { get; }

    /// <summary>Shape of one input image at the default channel count.</summary>
    public InputShape Input { get; }

    /// <summary>Class count when none is given.</summary>
    public int DefaultClasses { get; }

    /// <summary>Parameter count at the defaults.</summary>
    public long Parameters { get; }

    /// <summary>Multiply-accumulates of one image at the defaults (convention: <see cref="Inspection.ModelSummary"/>).</summary>
    public long Macs { get; }

    /// <summary>Builds the model with freshly initialised weights.</summary>
    /// <param name="options">Class count, input channels and dropout; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    /// <exception cref="ArgumentException">An option this model does not have was set.</exception>
    public GalleryModel Create(ModelOptions? options = null) => factory(options ?? ModelOptions.Default);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({DisplayName}, {Year})";
}
