namespace ModelGallery.Weights;

/// <summary>What a module tells the weights loader about its state_dict beyond the keys themselves.</summary>
internal interface IWeightsLayout
{
    /// <summary>Prefixes of the layers whose shape depends on the class count: what <see cref="LoadOptions.ExceptClassifier"/> skips.</summary>
    IReadOnlyList<string> ClassifierModules { get; }

    /// <summary>
    /// Prefixes of modules a weights file for this network may hold although this instance does not build them
    /// (GoogLeNet's auxiliary heads): their keys are left out and reported as skipped, as torchvision does.
    /// </summary>
    IReadOnlyList<string> OptionalModules { get; }
}
