namespace ModelGallery.Weights;

/// <summary>How <c>LoadWeights</c> (<see cref="WeightsExtensions"/>) matches a file's tensors to a model's.</summary>
public sealed record LoadOptions
{
    /// <summary>Strict, everything: every key of the model and of the file must match in name, shape and dtype.</summary>
    public static LoadOptions Default { get; } = new();

    /// <summary>
    /// Strict for everything except the classifier layers (a gallery model's <c>ClassifierModules</c>), which keep
    /// their fresh weights: loading ImageNet weights into a model with another class count, to fine-tune it.
    /// </summary>
    public static LoadOptions ExceptClassifier { get; } = new() { SkipClassifier = true };

    /// <summary>
    /// When true (default), any missing key, unexpected key, or shape or dtype mismatch throws a
    /// <see cref="WeightsMismatchException"/> listing all of them and the model is left unchanged. When false, the
    /// tensors that match are loaded and the others are listed in the returned <see cref="LoadReport"/>.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>Leave the model's classifier layers as they are and ignore the file's; gallery models only.</summary>
    public bool SkipClassifier { get; init; }

    /// <summary>More state_dict prefixes (module paths such as <c>aux1</c>) to leave as they are and ignore in the file.</summary>
    public IReadOnlyList<string> SkipModules { get; init; } = [];
}
