using ModelGallery.Modeling;

namespace ModelGallery.Training;

/// <summary>
/// The recipe of a <see cref="Trainer"/>: optimizer, learning rate and its schedule with a linear warm-up, label
/// smoothing, gradient clipping, which parameters to train, the weight of auxiliary losses, epochs and seed. The
/// defaults follow torchvision's classification reference where it has one (SGD, momentum 0.9, weight decay 1e-4).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>
    /// The Fashion-MNIST recipe for LeNet-5 (the gallery's shipped weights): Adam (AdamW without weight decay) at
    /// 1e-3, a constant rate, 10 epochs, seed 1; feed it <see cref="Trainer.Batches"/> of 128 images. For the cosine
    /// schedule write <c>TrainingOptions.FashionMnist with { Schedule = LearningRateSchedule.Cosine }</c>.
    /// </summary>
    public static TrainingOptions FashionMnist { get; } = new()
    {
        Optimizer = TrainingOptimizer.AdamW(weightDecay: 0),
        LearningRate = 1e-3,
        Epochs = 10,
        Seed = 1,
    };

    /// <summary>The rate at which a warm-up starts, as a share of the learning rate (torchvision's <c>--lr-warmup-decay</c> default).</summary>
    public const double WarmupStartFactor = 0.01;

    /// <summary>The optimizer and its settings.</summary>
    public TrainingOptimizer Optimizer { get; init; } = TrainingOptimizer.Sgd();

    /// <summary>The base learning rate (of the classifier, when <see cref="Freeze"/> lowers the backbone's), a finite number above 0.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>How the rate changes per epoch after the warm-up.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>
    /// Epochs of linear warm-up, 0 for none, fewer than <see cref="Epochs"/>: in warm-up epoch e (0-based) of W the
    /// rate is lr·(s + (1 − s)·e / W) with s = <see cref="WarmupStartFactor"/>, as torchvision's <c>LinearLR</c>.
    /// </summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Label smoothing ε of the cross-entropy, in [0, 1): the target is (1 − ε) on the label plus ε / classes on every class.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>When set, gradients are scaled so their global L2 norm is at most this (<c>clip_grad_norm_</c>); null for no clipping.</summary>
    public double? MaxGradientNorm { get; init; }

    /// <summary>Which parameters are trained.</summary>
    public Freeze Freeze { get; init; } = Freeze.None;

    /// <summary>
    /// The weight of each auxiliary head's loss, for models with auxiliary classifiers (<c>IAuxiliaryClassifiers</c>)
    /// in training mode: loss = main + w·Σ aux. 0.3 as in the GoogLeNet paper; in [0, 1].
    /// </summary>
    public double AuxiliaryLossWeight { get; init; } = 0.3;

    /// <summary>
    /// With the backbone frozen and the same training batches every epoch (no augmentation), compute the features
    /// before the classifier once and train the classifier on them (<c>GalleryModel.ForwardFeatures</c>). Needs
    /// <see cref="Freeze.Backbone"/>. Auxiliary heads are not trained on cached features.
    /// </summary>
    public bool CacheFeatures { get; init; }

    /// <summary>Number of passes over the training batches, at least 1.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Seed of TorchSharp's global generator (dropout) and of the trainer's shuffling generator.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Throws if any option is out of range; every message names the option and the value received.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Optimizer, "options.Optimizer");
        ArgumentNullException.ThrowIfNull(Schedule, "options.Schedule");
        ArgumentNullException.ThrowIfNull(Freeze, "options.Freeze");
        Check.Positive(nameof(LearningRate), LearningRate);
        Check.AtLeast(nameof(Epochs), Epochs, 1);
        Check.AtLeast(nameof(WarmupEpochs), WarmupEpochs, 0);
        if (WarmupEpochs >= Epochs)
        {
            throw new ArgumentOutOfRangeException("options.WarmupEpochs", WarmupEpochs, $"WarmupEpochs must be fewer than Epochs ({Epochs}); received {WarmupEpochs}.");
        }

        Check.Range(nameof(LabelSmoothing), LabelSmoothing, 0, 1, "in [0, 1)", upperOpen: true);
        if (MaxGradientNorm is { } norm)
        {
            Check.Positive(nameof(MaxGradientNorm), norm);
        }

        Check.Range(nameof(AuxiliaryLossWeight), AuxiliaryLossWeight, 0, 1, "in [0, 1]");
        Freeze.Validate();

        if (CacheFeatures && !Freeze.IsFrozen)
        {
            throw new ArgumentException($"CacheFeatures needs the backbone frozen (Freeze = Freeze.Backbone); received Freeze = {Freeze}.", "options.CacheFeatures");
        }

        Optimizer.Validate();
        Schedule.Validate();
    }

    /// <summary>The factor on <see cref="LearningRate"/> in epoch <paramref name="epoch"/> (0-based): warm-up, then the schedule.</summary>
    internal double RateFactor(int epoch) => epoch < WarmupEpochs
        ? WarmupStartFactor + ((1 - WarmupStartFactor) * epoch / WarmupEpochs)
        : Schedule.Factor(epoch - WarmupEpochs, Epochs - WarmupEpochs);
}
