namespace ModelGallery.Training;

/// <summary>What a <see cref="Trainer"/> reports after every step.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="Step">The step within the epoch, 1-based.</param>
/// <param name="Loss">The step's loss (with auxiliary losses and label smoothing), before the step was applied.</param>
/// <param name="LearningRate">The classifier's learning rate in this step.</param>
/// <param name="OnCachedFeatures">Whether only the classifier is trained, on features computed once (<see cref="TrainingOptions.CacheFeatures"/>).</param>
public sealed record TrainingProgress(int Epoch, int Step, double Loss, double LearningRate, bool OnCachedFeatures);
