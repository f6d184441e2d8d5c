namespace ModelGallery.Training;

/// <summary>The optimizer of a <see cref="Trainer"/>: <see cref="Sgd"/> or <see cref="AdamW"/>.</summary>
public abstract record TrainingOptimizer
{
    private protected TrainingOptimizer()
    {
    }

    /// <summary>Throws if a setting is out of range; the message names the setting and the value received.</summary>
    internal abstract void Validate();

    /// <summary>
    /// Stochastic gradient descent as <c>torch.optim.SGD</c>: with weight decay λ the gradient becomes g + λ·p; the
    /// momentum buffer b = μ·b + g (b = g at the first step); the step is −lr·b, or −lr·(g + μ·b) with Nesterov.
    /// </summary>
    /// <param name="Momentum">μ, in [0, 1); 0 for plain SGD.</param>
    /// <param name="Nesterov">Nesterov momentum (needs a momentum above 0).</param>
    /// <param name="WeightDecay">λ, an L2 penalty added to the gradient, at least 0.</param>
    public sealed record Sgd(double Momentum = 0.9, bool Nesterov = false, double WeightDecay = 1e-4) : TrainingOptimizer
    {
        /// <inheritdoc/>
        internal override void Validate()
        {
            Check.Range("Momentum", Momentum, 0, 1, "in [0, 1)", upperOpen: true);
            Check.Range("WeightDecay", WeightDecay, 0, double.MaxValue, "a finite number of at least 0");
            if (Nesterov && Momentum == 0)
            {
                throw new ArgumentException("Nesterov momentum needs a momentum above 0; received Momentum = 0 with Nesterov = true.", "options.Optimizer");
            }
        }
    }

    /// <summary>
    /// Adam with decoupled weight decay as <c>torch.optim.AdamW</c> (Loshchilov and Hutter, 2019): p ← p·(1 − lr·λ),
    /// then the Adam step −lr·m̂ / (√v̂ + ε) with bias-corrected moments m̂ and v̂.
    /// </summary>
    /// <param name="Beta1">β₁, the first moment's decay, in [0, 1).</param>
    /// <param name="Beta2">β₂, the second moment's decay, in [0, 1).</param>
    /// <param name="WeightDecay">λ, the decoupled weight decay, at least 0.</param>
    /// <param name="Epsilon">ε, added to √v̂, above 0.</param>
    public sealed record AdamW(double Beta1 = 0.9, double Beta2 = 0.999, double WeightDecay = 0.01, double Epsilon = 1e-8) : TrainingOptimizer
    {
        /// <inheritdoc/>
        internal override void Validate()
        {
            Check.Range("Beta1", Beta1, 0, 1, "in [0, 1)", upperOpen: true);
            Check.Range("Beta2", Beta2, 0, 1, "in [0, 1)", upperOpen: true);
            Check.Range("WeightDecay", WeightDecay, 0, double.MaxValue, "a finite number of at least 0");
            Check.Positive("Epsilon", Epsilon);
        }
    }
}
