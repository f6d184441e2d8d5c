namespace ModelGallery.Modeling;

/// <summary>Options for creating a model through its <see cref="ModelInfo"/>; what is left null takes the model's default.</summary>
public sealed record ModelOptions
{
    /// <summary>The defaults of every model.</summary>
    public static ModelOptions Default { get; } = new();

    /// <summary>Number of classes; null for the model's default (<see cref="ModelInfo.DefaultClasses"/>).</summary>
    public int? NumClasses { get; init; }

    /// <summary>Channels of the input image.</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Dropout probability of the classifier; null for the model's default. A model without dropout rejects a value.</summary>
    public double? Dropout { get; init; }
}
