using ModelGallery.Modeling;
using ModelGallery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>Measuring a model on labelled batches, and batches of preloaded tensors.</summary>
public sealed partial class Trainer
{
    /// <summary>
    /// Top-1, top-5, per-class accuracy and the confusion matrix of <paramref name="model"/> on labelled batches, in
    /// eval mode without gradients; the model's mode is restored afterwards.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Images as the model takes them and one int64 label per image.</param>
    /// <param name="classCount">The number of classes: the model's <see cref="GalleryModel.NumClasses"/>.</param>
    /// <exception cref="ArgumentException">The batches are empty, a batch does not fit the model, a label is out of range, or <paramref name="classCount"/> is not the model's.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public static EvaluationResult Evaluate(GalleryModel model, IEnumerable<(Tensor Images, Tensor Labels)> batches, int classCount)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(batches);
        if (classCount != model.NumClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{model.GetName()} has {model.NumClasses} classes; received classCount = {classCount}.");
        }

        using var lease = model.Usage.Enter("evaluation", wantsExclusive: () => model.training);
        bool wasTraining = model.training;
        var accumulator = new EvaluationAccumulator(classCount);
        try
        {
            if (wasTraining)
            {
                model.eval();
            }

            using var inference = inference_mode();
            foreach (var (images, labels) in batches)
            {
                using var scope = NewDisposeScope();
                accumulator.Add(model.call(images), labels);
            }
        }
        finally
        {
            if (wasTraining)
            {
                model.train();
            }
        }

        return accumulator.Result();
    }

    /// <summary>
    /// <see cref="Evaluate(GalleryModel, IEnumerable{ValueTuple{Tensor, Tensor}}, int)"/> on preloaded tensors, taken in
    /// order <paramref name="batchSize"/> images at a time.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="images">Images as the model takes them, N × C × H × W.</param>
    /// <param name="labels">Their labels, N int64 class indices.</param>
    /// <param name="batchSize">Images per forward pass, at least 1.</param>
    /// <exception cref="ArgumentException">The set is empty, the images do not fit the model, or the labels are not one class index in 0 to classes − 1 per image.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public static EvaluationResult Evaluate(GalleryModel model, Tensor images, Tensor labels, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        using (model.Usage.EnterShared("evaluation"))
        {
            // nothing to do inside: entering refuses a disposed model before its input is checked
        }

        model.CheckInput(images, nameof(images));
        CheckLabels(model, labels, images.shape[0], nameof(labels));
        long count = images.shape[0];
        IEnumerable<(Tensor, Tensor)> InOrder()
        {
            for (long start = 0; start < count; start += batchSize)
            {
                long size = Math.Min(batchSize, count - start);
                yield return (images.narrow(0, start, size), labels.narrow(0, start, size));
            }
        }

        return Evaluate(model, InOrder(), model.NumClasses);
    }

    /// <summary>
    /// Batches of preloaded tensors for <see cref="TrainEpoch"/> or <see cref="Run"/>: each time it is enumerated it
    /// draws a new order from <see cref="Shuffling"/> and yields index selections of
    /// <paramref name="batchSize"/> images (the last one smaller), each mirrored left to right with probability ½ when
    /// <paramref name="horizontalFlip"/> is set (also drawn from <see cref="Shuffling"/>, so a resumed run sees the same batches).
    /// </summary>
    /// <param name="images">Preprocessed training images, N × C × H × W, kept alive by the caller.</param>
    /// <param name="labels">Their labels, N int64 class indices.</param>
    /// <param name="batchSize">Images per step, at least 1.</param>
    /// <param name="horizontalFlip">Mirror a random half of every batch (augmentation).</param>
    /// <exception cref="ArgumentException">The images do not fit the model, or the labels are not one class index in 0 to classes − 1 per image.</exception>
    public IEnumerable<(Tensor Images, Tensor Labels)> Batches(Tensor images, Tensor labels, int batchSize, bool horizontalFlip = false)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        model.CheckInput(images, nameof(images));
        CheckLabels(model, labels, images.shape[0], nameof(labels));
        return Shuffled(images, labels, batchSize, horizontalFlip);
    }

    private IEnumerable<(Tensor Images, Tensor Labels)> Shuffled(Tensor images, Tensor labels, int batchSize, bool horizontalFlip)
    {
        long count = images.shape[0];
        using Scalar half = 0.5; // explicit: TorchSharp leaves an implicit Scalar to its finalizer
        using var order = randperm(count, generator: Shuffling).DetachFromDisposeScope();
        for (long first = 0; first < count; first += batchSize)
        {
            var indices = order.narrow(0, first, Math.Min(batchSize, count - first));
            var x = images.index_select(0, indices);
            if (horizontalFlip)
            {
                var flip = rand([x.shape[0]], generator: Shuffling).lt(half).view(-1, 1, 1, 1);
                x = where(flip, x.flip(3), x);
            }

            yield return (x, labels.index_select(0, indices));
        }
    }
}
