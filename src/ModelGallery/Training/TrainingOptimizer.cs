namespace ModelGallery.Training;

/// <summary>The optimizer of a <see cref="Trainer"/> and its settings: <see cref="Sgd"/> or <see cref="AdamW"/>.</summary>
public sealed record TrainingOptimizer
{
    private TrainingOptimizer(bool isAdamW, double weightDecay)
    {
        IsAdamW = isAdamW;
        WeightDecay = weightDecay;
    }

    /// <summary>True for <see cref="AdamW"/>, false for <see cref="Sgd"/>.</summary>
    public bool IsAdamW { get; }

    /// <summary>λ: SGD's L2 penalty added to the gradient, or AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; }

    /// <summary>μ, SGD's momentum (0 for AdamW).</summary>
    public double Momentum { get; private init; }

    /// <summary>SGD's Nesterov momentum.</summary>
    public bool Nesterov { get; private init; }

    /// <summary>β₁, AdamW's first moment's decay (0 for SGD).</summary>
    public double Beta1 { get; private init; }

    /// <summary>β₂, AdamW's second moment's decay (0 for SGD).</summary>
    public double Beta2 { get; private init; }

    /// <summary>ε, added to AdamW's √v̂ (0 for SGD).</summary>
    public double Epsilon { get; private init; }

    /// <summary>
    /// Stochastic gradient descent as <c>torch.optim.SGD</c>: with weight decay λ the gradient becomes g + λ·p; the
    /// momentum buffer b = μ·b + g (b = g at the first step); the step is −lr·b, or −lr·(g + μ·b) with Nesterov.
    /// The settings are checked when the options are validated.
    /// </summary>
    /// <param name="momentum">μ, in [0, 1); 0 for plain SGD.</param>
    /// <param name="nesterov">Nesterov momentum (needs a momentum above 0).</param>
    /// <param name="weightDecay">λ, an L2 penalty added to the gradient, at least 0.</param>
    /// <returns>The optimizer's settings.</returns>
    public static TrainingOptimizer Sgd(double momentum = 0.9, bool nesterov = false, double weightDecay = 1e-4) =>
        new(false, weightDecay) { Momentum = momentum, Nesterov = nesterov };

    /// <summary>
    /// Adam with decoupled weight decay as <c>torch.optim.AdamW</c> (Loshchilov and Hutter, 2019): p ← p·(1 − lr·λ),
    /// then the Adam step −lr·m̂ / (√v̂ + ε) with bias-corrected moments m̂ and v̂. The settings are checked when the
    /// options are validated.
    /// </summary>
    /// <param name="beta1">β₁, the first moment's decay, in [0, 1).</param>
    /// <param name="beta2">β₂, the second moment's decay, in [0, 1).</param>
    /// <param name="weightDecay">λ, the decoupled weight decay, at least 0.</param>
    /// <param name="epsilon">ε, added to √v̂, above 0.</param>
    /// <returns>The optimizer's settings.</returns>
    public static TrainingOptimizer AdamW(double beta1 = 0.9, double beta2 = 0.999, double weightDecay = 0.01, double epsilon = 1e-8) =>
        new(true, weightDecay) { Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon };

    /// <inheritdoc/>
    public override string ToString() => IsAdamW
        ? $"AdamW(beta1: {Beta1}, beta2: {Beta2}, weightDecay: {WeightDecay}, epsilon: {Epsilon})"
        : $"Sgd(momentum: {Momentum}, nesterov: {Nesterov}, weightDecay: {WeightDecay})";

    /// <summary>Throws if a setting is out of range; the message names the setting and the value received.</summary>
    internal void Validate()
    {
        if (IsAdamW)
        {
            Check.Range("Beta1", Beta1, 0, 1, "in [0, 1)", upperOpen: true);
            Check.Range("Beta2", Beta2, 0, 1, "in [0, 1)", upperOpen: true);
            Check.Range("WeightDecay", WeightDecay, 0, double.MaxValue, "a finite number of at least 0");
            Check.Positive("Epsilon", Epsilon);
            return;
        }

        Check.Range("Momentum", Momentum, 0, 1, "in [0, 1)", upperOpen: true);
        Check.Range("WeightDecay", WeightDecay, 0, double.MaxValue, "a finite number of at least 0");
        if (Nesterov && Momentum == 0)
        {
            throw new ArgumentException("Nesterov momentum needs a momentum above 0; received Momentum = 0 with Nesterov = true.", "options.Optimizer");
        }
    }
}
