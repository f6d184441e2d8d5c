namespace ModelGallery.Training;

/// <summary>
/// How the learning rate changes after the warm-up: <see cref="Constant"/>, <see cref="StepDecay"/> or
/// <see cref="Cosine"/>. As in torchvision's classification reference (<c>references/classification/train.py</c>),
/// the rate changes once per epoch, and the schedule counts its epochs from the end of the warm-up.
/// </summary>
public abstract record LearningRateSchedule
{
    private protected LearningRateSchedule()
    {
    }

    /// <summary>The factor on the base learning rate in epoch <paramref name="epoch"/> (0-based, after the warm-up) of <paramref name="epochs"/>.</summary>
    internal abstract double Factor(int epoch, int epochs);

    /// <summary>Throws if a setting is out of range.</summary>
    internal virtual void Validate()
    {
    }

    /// <summary>The base learning rate throughout.</summary>
    public sealed record Constant : LearningRateSchedule
    {
        /// <inheritdoc/>
        internal override double Factor(int epoch, int epochs) => 1;
    }

    /// <summary>Multiplies the rate by <paramref name="Gamma"/> every <paramref name="StepEpochs"/> epochs, as <c>StepLR</c>: lr·γ^⌊e / s⌋.</summary>
    /// <param name="StepEpochs">s, epochs between two decays, at least 1.</param>
    /// <param name="Gamma">γ, the factor of each decay, in (0, 1].</param>
    public sealed record StepDecay(int StepEpochs = 30, double Gamma = 0.1) : LearningRateSchedule
    {
        /// <inheritdoc/>
        internal override double Factor(int epoch, int epochs) => Math.Pow(Gamma, epoch / StepEpochs);

        /// <inheritdoc/>
        internal override void Validate()
        {
            if (StepEpochs < 1)
            {
                throw new ArgumentOutOfRangeException("options.Schedule.StepEpochs", StepEpochs, $"StepEpochs must be at least 1; received {StepEpochs}.");
            }

            Check.Range("Schedule.Gamma", Gamma, double.Epsilon, 1, "in (0, 1]");
        }
    }

    /// <summary>
    /// Decays the rate to 0 along a half cosine over the epochs after the warm-up, as <c>CosineAnnealingLR</c> with
    /// <c>T_max</c> = epochs − warm-up epochs: lr·(1 + cos(π·e / T)) / 2.
    /// </summary>
    public sealed record Cosine : LearningRateSchedule
    {
        /// <inheritdoc/>
        internal override double Factor(int epoch, int epochs) => 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs));
    }
}
