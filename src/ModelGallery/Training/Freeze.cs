namespace ModelGallery.Training;

/// <summary>
/// Which parameters a <see cref="Trainer"/> trains: all (<see cref="None"/>), only the classifier layers
/// (<see cref="Backbone"/>), or all with a lower learning rate before the classifier
/// (<see cref="BackboneWithLowerLr"/>). The classifier layers are the model's <c>ClassifierModules</c>.
/// </summary>
public sealed record Freeze
{
    private readonly string name;

    private Freeze(string name, double backboneFactor)
    {
        this.name = name;
        BackboneFactor = backboneFactor;
    }

    /// <summary>Every parameter is trained with the same learning rate.</summary>
    public static Freeze None { get; } = new("None", 1);

    /// <summary>
    /// Only the classifier layers are trained; every other parameter gets <c>requires_grad = false</c> and stays
    /// bit for bit as it was. The model runs in eval mode while training, so the frozen part's batch-norm statistics
    /// and dropout do not change either (as Keras does for a frozen BatchNormalization layer); auxiliary heads
    /// therefore add no loss.
    /// </summary>
    public static Freeze Backbone { get; } = new("Backbone", 0);

    /// <summary>The backbone's share of the learning rate: 1 for <see cref="None"/>, 0 for <see cref="Backbone"/>, the factor otherwise.</summary>
    public double BackboneFactor { get; }

    /// <summary>True for <see cref="Backbone"/>: only the classifier layers are trained.</summary>
    internal bool IsFrozen => BackboneFactor == 0;

    /// <summary>Every parameter is trained, those before the classifier at <paramref name="factor"/> times the learning rate (two parameter groups).</summary>
    /// <param name="factor">The backbone's share of the learning rate, in (0, 1]; checked when the options are validated.</param>
    /// <returns>The freeze setting.</returns>
    public static Freeze BackboneWithLowerLr(double factor = 0.1) => new("BackboneWithLowerLr", factor);

    /// <inheritdoc/>
    public override string ToString() => name == "BackboneWithLowerLr" ? $"BackboneWithLowerLr({BackboneFactor})" : name;

    /// <summary>Throws if the factor is out of range.</summary>
    internal void Validate()
    {
        if (name == "BackboneWithLowerLr")
        {
            Check.Range("Freeze.Factor", BackboneFactor, double.Epsilon, 1, "in (0, 1]");
        }
    }
}
