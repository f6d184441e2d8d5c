namespace ModelGallery.Training;

/// <summary>How a <see cref="FineTuner.Run"/> ended.</summary>
/// <param name="Epochs">The epochs run in this call, in order (the last one incomplete when cancelled).</param>
/// <param name="Cancelled">True when the cancellation token stopped the run: the current step was finished and a checkpoint saved.</param>
/// <param name="EpochsDone">Epochs completed in all, counting those before a resume.</param>
/// <param name="BestAccuracy">The best validation top-1 so far, or null without validation.</param>
/// <param name="CheckpointPath">The last checkpoint written, or null when none was asked for.</param>
public sealed record FineTuneResult(IReadOnlyList<FineTuneEpochResult> Epochs, bool Cancelled, int EpochsDone, double? BestAccuracy, string? CheckpointPath);
