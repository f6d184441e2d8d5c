namespace ModelGallery.Training;

/// <summary>What one epoch of training measured.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="TrainLoss">Mean cross-entropy over the epoch's batches.</param>
/// <param name="TrainAccuracy">Fraction of training images classified correctly while training.</param>
/// <param name="TestAccuracy">Fraction of test images classified correctly after the epoch, or null without a test set.</param>
/// <param name="TrainingTime">Wall time of the training pass (not the evaluation).</param>
/// <param name="ImagesPerSecond">Training images per second.</param>
public sealed record EpochResult(int Epoch, double TrainLoss, double TrainAccuracy, double? TestAccuracy, TimeSpan TrainingTime, double ImagesPerSecond);
