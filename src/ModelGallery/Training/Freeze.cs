namespace ModelGallery.Training;

/// <summary>
/// Which parameters a <see cref="Trainer"/> trains: all (<see cref="None"/>), only the classifier layers
/// (<see cref="Backbone"/>), or all with a lower learning rate before the classifier
/// (<see cref="BackboneWithLowerLr"/>). The classifier layers are the model's <c>ClassifierModules</c>.
/// </summary>
public abstract record Freeze
{
    private protected Freeze()
    {
    }

    /// <summary>The backbone's share of the learning rate: 1, 0 when frozen (also keeps the union closed to other assemblies).</summary>
    internal abstract double BackboneFactor { get; }

    /// <summary>Every parameter is trained with the same learning rate.</summary>
    public sealed record None : Freeze
    {
        /// <inheritdoc/>
        internal override double BackboneFactor => 1;
    }

    /// <summary>
    /// Only the classifier layers are trained; every other parameter gets <c>requires_grad = false</c> and stays
    /// bit for bit as it was. The model runs in eval mode while training, so the frozen part's batch-norm statistics
    /// and dropout do not change either (as Keras does for a frozen BatchNormalization layer); auxiliary heads
    /// therefore add no loss.
    /// </summary>
    public sealed record Backbone : Freeze
    {
        /// <inheritdoc/>
        internal override double BackboneFactor => 0;
    }

    /// <summary>Every parameter is trained, those before the classifier at <paramref name="Factor"/> times the learning rate (two parameter groups).</summary>
    /// <param name="Factor">The backbone's share of the learning rate, in (0, 1].</param>
    public sealed record BackboneWithLowerLr(double Factor = 0.1) : Freeze
    {
        /// <inheritdoc/>
        internal override double BackboneFactor => Factor;
    }
}
