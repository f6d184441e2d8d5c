namespace ModelGallery.Training;

/// <summary>What one epoch of fine-tuning measured.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Steps">Steps applied in this epoch (in this run, when it was resumed in the middle).</param>
/// <param name="TrainLoss">Mean loss over the steps applied, weighted by batch size; NaN when none was.</param>
/// <param name="TrainAccuracy">Fraction of the training images of those steps whose main logits had the label on top.</param>
/// <param name="LearningRate">The classifier's learning rate in this epoch.</param>
/// <param name="Completed">False when cancellation stopped the epoch before its last batch.</param>
/// <param name="OnCachedFeatures">Whether only the classifier was trained, on cached features.</param>
/// <param name="Validation">The validation measures after the epoch, or null without validation batches or when cancelled.</param>
public sealed record FineTuneEpochResult(
    int Epoch, int Steps, double TrainLoss, double TrainAccuracy, double LearningRate, bool Completed, bool OnCachedFeatures, EvaluationResult? Validation);
