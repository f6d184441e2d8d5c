namespace ModelGallery.Training;

/// <summary>
/// How a classifier did on a labelled set (<c>Trainer.Evaluate</c>): plain numbers and arrays, so it
/// serialises to JSON as it is.
/// </summary>
public sealed record EvaluationResult
{
    /// <summary>Number of images.</summary>
    public required long Count { get; init; }

    /// <summary>Fraction of images whose label has the highest logit.</summary>
    public required double Top1 { get; init; }

    /// <summary>Fraction of images whose label is among the five highest logits (all classes when there are fewer than five).</summary>
    public required double Top5 { get; init; }

    /// <summary>Per class (by label), the fraction of its images classified as it (recall); null for a class with no image.</summary>
    public required IReadOnlyList<double?> PerClassAccuracy { get; init; }

    /// <summary><c>ConfusionMatrix[label][predicted]</c>: how many images of each class went to each top-1 prediction.</summary>
    public required IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix { get; init; }
}
