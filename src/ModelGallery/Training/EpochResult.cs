namespace ModelGallery.Training;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Steps">Steps applied in this epoch, counting those before a checkpoint the run was resumed from.</param>
/// <param name="Images">Training images in those steps.</param>
/// <param name="TrainLoss">Mean loss over those steps, weighted by batch size; NaN when none was applied.</param>
/// <param name="TrainAccuracy">Fraction of those training images whose main logits had the label on top (while training).</param>
/// <param name="LearningRate">The classifier's learning rate in this epoch.</param>
/// <param name="TrainingTime">Wall time of the steps (not the validation), added up over interrupted runs.</param>
/// <param name="Completed">False when cancellation stopped the epoch before its last batch.</param>
/// <param name="OnCachedFeatures">Whether only the classifier was trained, on cached features.</param>
/// <param name="Validation">The validation measures after the epoch, or null without validation batches or when cancelled.</param>
public sealed record EpochResult(
    int Epoch, int Steps, long Images, double TrainLoss, double TrainAccuracy, double LearningRate, TimeSpan TrainingTime,
    bool Completed, bool OnCachedFeatures, EvaluationResult? Validation)
{
    /// <summary>Training images per second: <see cref="Images"/> over <see cref="TrainingTime"/>.</summary>
    public double ImagesPerSecond => Images / TrainingTime.TotalSeconds;
}
