namespace ModelGallery.Training;

/// <summary>
/// How the learning rate changes after the warm-up: <see cref="Constant"/>, <see cref="StepDecay"/> or
/// <see cref="Cosine"/>. As in torchvision's classification reference (<c>references/classification/train.py</c>),
/// the rate changes once per epoch, and the schedule counts its epochs from the end of the warm-up.
/// </summary>
public sealed record LearningRateSchedule
{
    private const string Step = "StepDecay";

    private readonly string name;

    private LearningRateSchedule(string name, int stepEpochs = 0, double gamma = 1)
    {
        this.name = name;
        StepEpochs = stepEpochs;
        Gamma = gamma;
    }

    /// <summary>The base learning rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new("Constant");

    /// <summary>
    /// Decays the rate to 0 along a half cosine over the epochs after the warm-up, as <c>CosineAnnealingLR</c> with
    /// <c>T_max</c> = epochs − warm-up epochs: lr·(1 + cos(π·e / T)) / 2.
    /// </summary>
    public static LearningRateSchedule Cosine { get; } = new("Cosine");

    /// <summary>s, the epochs between two decays of a <see cref="StepDecay"/> schedule; 0 for the others.</summary>
    public int StepEpochs { get; }

    /// <summary>γ, the factor of each decay of a <see cref="StepDecay"/> schedule; 1 for the others.</summary>
    public double Gamma { get; }

    /// <summary>Multiplies the rate by <paramref name="gamma"/> every <paramref name="stepEpochs"/> epochs, as <c>StepLR</c>: lr·γ^⌊e / s⌋.</summary>
    /// <param name="stepEpochs">s, epochs between two decays, at least 1; checked when the options are validated.</param>
    /// <param name="gamma">γ, the factor of each decay, in (0, 1]; checked when the options are validated.</param>
    /// <returns>The schedule.</returns>
    public static LearningRateSchedule StepDecay(int stepEpochs = 30, double gamma = 0.1) => new(Step, stepEpochs, gamma);

    /// <inheritdoc/>
    public override string ToString() => name == Step ? $"StepDecay({StepEpochs}, {Gamma})" : name;

    /// <summary>The factor on the base learning rate in epoch <paramref name="epoch"/> (0-based, after the warm-up) of <paramref name="epochs"/>.</summary>
    internal double Factor(int epoch, int epochs) => name switch
    {
        Step => Math.Pow(Gamma, epoch / StepEpochs),
        "Cosine" => 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs)),
        _ => 1,
    };

    /// <summary>Throws if a setting is out of range.</summary>
    internal void Validate()
    {
        if (name != Step)
        {
            return;
        }

        if (StepEpochs < 1)
        {
            throw new ArgumentOutOfRangeException("options.Schedule.StepEpochs", StepEpochs, $"StepEpochs must be at least 1; received {StepEpochs}.");
        }

        Check.Range("Schedule.Gamma", Gamma, double.Epsilon, 1, "in (0, 1]");
    }
}
