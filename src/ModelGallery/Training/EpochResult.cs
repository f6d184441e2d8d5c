namespace ModelGallery.Training;

/// <summary>What one epoch of training measured.</summary>
public sealed class EpochResult
{
    internal EpochResult(int epoch, double trainLoss, double trainAccuracy, double? testAccuracy, TimeSpan trainingTime, double imagesPerSecond)
    {
        Epoch = epoch;
        TrainLoss = trainLoss;
        TrainAccuracy = trainAccuracy;
        TestAccuracy = testAccuracy;
        TrainingTime = trainingTime;
        ImagesPerSecond = imagesPerSecond;
    }

    /// <summary>The epoch, 1-based.</summary>
    public int Epoch { get; }

    /// <summary>Mean cross-entropy over the epoch's batches.</summary>
    public double TrainLoss { get; }

    /// <summary>Fraction of training images classified correctly while training.</summary>
    public double TrainAccuracy { get; }

    /// <summary>Fraction of test images classified correctly after the epoch, or null without a test set.</summary>
    public double? TestAccuracy { get; }

    /// <summary>Wall time of the training pass (not the evaluation).</summary>
    public TimeSpan TrainingTime { get; }

    /// <summary>Training images per second.</summary>
    public double ImagesPerSecond { get; }
}
