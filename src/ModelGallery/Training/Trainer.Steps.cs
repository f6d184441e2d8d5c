using ModelGallery.Modeling;
using ModelGallery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>The epoch loop and the step.</summary>
public sealed partial class Trainer
{
    private (Tensor Features, Tensor Labels, long BatchSize)? cache;
    private EpochTally tally;

    /// <summary>One epoch, or the rest of one after a cancellation or a resume; the caller holds the model exclusively.</summary>
    private EpochResult Epoch(IEnumerable<(Tensor Images, Tensor Labels)> batches, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        if (epochsDone >= options.Epochs)
        {
            throw new InvalidOperationException($"All {options.Epochs} epochs of {model.GetName()} are done; create a new Trainer to train further.");
        }

        int epoch = epochsDone + 1;
        double rate = options.LearningRate * options.RateFactor(epochsDone);
        foreach (var (group, factor) in optimizer.ParamGroups.Zip(groupFactors))
        {
            group.LearningRate = rate * factor;
        }

        if (stepsInEpoch == 0)
        {
            epochStartShuffling = State(Shuffling); // a checkpoint in this epoch restarts the source from here
            tally = default;
        }

        bool frozen = options.Freeze.IsFrozen;
        model.train(!frozen);
        bool cached = options.CacheFeatures;
        var source = cached ? CachedBatches(batches) : batches;
        int skip = stepsInEpoch, step = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        EpochResult Result(bool completed) => new(
            epoch, tally.Applied, tally.Seen, tally.Seen == 0 ? double.NaN : tally.LossSum / tally.Seen, tally.Seen == 0 ? double.NaN : (double)tally.Correct / tally.Seen,
            rate, TimeSpan.FromTicks(tally.ElapsedTicks), completed, cached, null);
        using var batch = source.GetEnumerator();
        while (!cancellationToken.IsCancellationRequested)
        {
            using var scope = NewDisposeScope();
            if (!batch.MoveNext())
            {
                var result = Result(completed: true);
                stepsInEpoch = 0;
                epochsDone++;
                history.Add(result);
                return result;
            }

            if (++step <= skip)
            {
                clock.Restart();
                continue; // applied before the checkpoint this run resumed from
            }

            var (x, y) = batch.Current;
            var (loss, logits) = Loss(x, y, cached, epoch, step);
            tally = new EpochTally(
                tally.Applied + 1, tally.LossSum + (loss * y.shape[0]), tally.Correct + logits.argmax(1).eq(y).sum().item<long>(),
                tally.Seen + y.shape[0], tally.ElapsedTicks + clock.Elapsed.Ticks);
            clock.Restart();
            stepsInEpoch = step;
            progress?.Report(new TrainingProgress(epoch, step, loss, rate, cached));
        }

        return Result(completed: false);
    }

    /// <summary>Forward, loss, backward, checks, clipping and the optimizer step; returns the loss and the main logits.</summary>
    private (double Loss, Tensor Logits) Loss(Tensor x, Tensor y, bool cached, int epoch, int step)
    {
        if (!cached)
        {
            model.CheckInput(x, "batches"); // cached features were checked as images when they were computed
        }

        CheckLabels(model, y, x.shape[0], "batches");
        optimizer.zero_grad();
        Tensor logits;
        Tensor loss;
        if (cached)
        {
            logits = model.Classifier.call(x);
            loss = CrossEntropy(logits, y);
        }
        else if (model.training && model is IAuxiliaryClassifiers { HasAuxClassifiers: true } withAux)
        {
            var outputs = withAux.ForwardWithAuxiliary(x);
            logits = outputs.Logits;
            using Scalar weight = options.AuxiliaryLossWeight; // explicit, disposed after the call: TorchSharp leaves an implicit Scalar to its finalizer, which can run mid-call
            loss = outputs.Auxiliary.Aggregate(CrossEntropy(logits, y), (sum, aux) => sum + CrossEntropy(aux, y).mul(weight));
        }
        else
        {
            logits = model.call(x);
            loss = CrossEntropy(logits, y);
        }

        loss.backward();
        double value = loss.item<float>();
        if (!double.IsFinite(value) || !GradientsFinite())
        {
            optimizer.zero_grad();
            throw new TrainingDivergedException(model.GetName(), epoch, step, value);
        }

        if (options.MaxGradientNorm is { } maxNorm)
        {
            nn.utils.clip_grad_norm_(trained, maxNorm);
        }

        optimizer.step();
        return (value, logits);
    }

    private Tensor CrossEntropy(Tensor logits, Tensor labels) => nn.functional.cross_entropy(logits, labels, label_smoothing: options.LabelSmoothing);

    private static void CheckLabels(GalleryModel model, Tensor labels, long images, string paramName)
    {
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != images)
        {
            throw new ArgumentException(
                $"{model.GetName()} needs one int64 class index per image: {images} labels of shape [{images}], but received {labels.dtype} [{string.Join(", ", labels.shape)}].", paramName);
        }

        using var scope = NewDisposeScope();
        long low = labels.min().item<long>(), high = labels.max().item<long>();
        if (low < 0 || high >= model.NumClasses)
        {
            throw new ArgumentException($"{model.GetName()} has {model.NumClasses} classes, so labels must lie in 0 to {model.NumClasses - 1}; received labels from {low} to {high}.", paramName);
        }
    }

    /// <summary>Whether every gradient is finite, with one synchronisation for all of them.</summary>
    private bool GradientsFinite()
    {
        using var scope = NewDisposeScope();
        var finite = trained.Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToList();
        return finite.Count == 0 || stack(finite).all().item<bool>();
    }

    /// <summary>
    /// The features before the classifier, computed once from the first epoch's batches (the source's draws from
    /// <see cref="Shuffling"/> are undone afterwards), then reshuffled from <see cref="Shuffling"/> every epoch into
    /// batches of the first batch's size.
    /// </summary>
    private IEnumerable<(Tensor Images, Tensor Labels)> CachedBatches(IEnumerable<(Tensor Images, Tensor Labels)> batches)
    {
        if (cache is null)
        {
            byte[] before = State(Shuffling);
            var features = new List<Tensor>();
            var labels = new List<Tensor>();
            using (no_grad())
            {
                foreach (var (x, y) in batches)
                {
                    using var scope = NewDisposeScope();
                    features.Add(model.ForwardFeatures(x).MoveToOuterDisposeScope());
                    labels.Add(y.clone().MoveToOuterDisposeScope());
                }
            }

            Restore(Shuffling, before);
            cache = (cat(features).DetachFromDisposeScope(), cat(labels).DetachFromDisposeScope(), labels[0].shape[0]);
            features.Concat(labels).ToList().ForEach(t => t.Dispose());
        }

        var (all, targets, size) = cache.Value;
        long count = all.shape[0];
        using var order = randperm(count, generator: Shuffling).DetachFromDisposeScope();
        for (long first = 0; first < count; first += size)
        {
            var indices = order.narrow(0, first, Math.Min(size, count - first));
            yield return (all.index_select(0, indices), targets.index_select(0, indices));
        }
    }

    private void DropCache()
    {
        cache?.Features.Dispose();
        cache?.Labels.Dispose();
        cache = null;
    }

    private static byte[] State(Generator generator)
    {
        using var state = generator.get_state();
        return state.data<byte>().ToArray();
    }

    private static void Restore(Generator generator, byte[] state)
    {
        using var tensor = torch.tensor(state);
        generator.set_state(tensor);
    }

    /// <summary>What the steps of the current epoch have added up so far (kept in checkpoints, so a resumed epoch reports all its steps).</summary>
    internal readonly record struct EpochTally(int Applied, double LossSum, long Correct, long Seen, long ElapsedTicks);
}
