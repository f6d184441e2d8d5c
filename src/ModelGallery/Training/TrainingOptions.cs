namespace ModelGallery.Training;

/// <summary>The recipe of a <see cref="Trainer"/>: Adam with a cosine learning-rate schedule over the epochs, cross-entropy loss.</summary>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the training set.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Images per optimisation step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's learning rate at the start.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decay the learning rate to 0 along a half cosine over <see cref="Epochs"/>; false keeps it constant.</summary>
    public bool CosineSchedule { get; init; }

    /// <summary>Mirror a random half of every batch left to right (augmentation).</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Seed of the weight initialisation, the shuffling and the augmentation.</summary>
    public long Seed { get; init; } = 1;
}
