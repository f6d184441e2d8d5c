namespace ModelGallery;

/// <summary>
/// A module whose operations go through a <see cref="ModelUsage"/> gate. Weights, inspection and export enter it
/// through this interface, so they know the gate and not the model classes.
/// </summary>
internal interface IGuardedModule
{
    /// <summary>The gate: shared for reading, exclusive for changing.</summary>
    ModelUsage Usage { get; }
}
