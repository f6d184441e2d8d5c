using System.Diagnostics;
using ModelGallery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>
/// Trains a gallery model on preloaded tensors: batches are index selections of one tensor (no per-sample
/// allocation), every step runs in its own dispose scope, and everything is seeded. An epoch needs the model to
/// itself: inference, a summary or another trainer on the same model at the same time throws
/// <see cref="InvalidOperationException"/>.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly GalleryModel model;
    private readonly TrainingOptions options;
    private readonly optim.Optimizer optimizer;
    private readonly Generator generator;
    private int epoch;

    /// <summary>Prepares training; seeds TorchSharp's global generator with <see cref="TrainingOptions.Seed"/> too.</summary>
    /// <param name="model">The model to train, in place.</param>
    /// <param name="options">The recipe.</param>
    public Trainer(GalleryModel model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, "options.BatchSize");
        if (!double.IsFinite(options.LearningRate) || options.LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException("options.LearningRate", options.LearningRate, $"The learning rate must be a finite number above 0; received {options.LearningRate}.");
        }

        using (model.Usage.EnterShared("creating a trainer"))
        {
            // nothing to do inside: entering refuses a disposed model before its (then empty) parameters are taken
        }

        this.model = model;
        this.options = options;
        optimizer = optim.Adam(model.parameters(), lr: options.LearningRate);
        generator = new Generator((ulong)options.Seed);
        manual_seed(options.Seed);
    }

    /// <summary>Trains one epoch and, if a test set is given, measures the test accuracy.</summary>
    /// <param name="inputs">Preprocessed training images, N × C × H × W.</param>
    /// <param name="labels">Their labels, N int64 values.</param>
    /// <param name="testInputs">Preprocessed test images, or null.</param>
    /// <param name="testLabels">Their labels, or null.</param>
    /// <param name="progress">Told (batches done, batches in all) after every step.</param>
    /// <exception cref="ArgumentException">The images do not fit the model, or the labels are not one int64 class index in 0 to classes − 1 per image.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite; the model keeps the last finite weights.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public EpochResult RunEpoch(Tensor inputs, Tensor labels, Tensor? testInputs = null, Tensor? testLabels = null, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        var (loss, accuracy, count, elapsed) = Train(inputs, labels, progress);
        double? testAccuracy = testInputs is not null && testLabels is not null ? Evaluate(model, testInputs, testLabels) : null;
        return new EpochResult(epoch, loss, accuracy, testAccuracy, elapsed, count / elapsed.TotalSeconds);
    }

    private (double Loss, double Accuracy, long Count, TimeSpan Elapsed) Train(Tensor inputs, Tensor labels, IProgress<(int Done, int Total)>? progress)
    {
        using var lease = model.Usage.EnterExclusive("training");
        CheckData(model, inputs, labels, nameof(inputs), nameof(labels));
        epoch++;
        if (options.CosineSchedule)
        {
            double rate = options.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / options.Epochs));
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = rate;
            }
        }

        model.train();
        long count = inputs.shape[0];
        int batches = (int)((count + options.BatchSize - 1) / options.BatchSize);
        double lossSum = 0;
        long correct = 0;
        var clock = Stopwatch.StartNew();
        using var order = randperm(count, generator: generator);
        for (int batch = 0; batch < batches; batch++)
        {
            using var scope = NewDisposeScope();
            long first = (long)batch * options.BatchSize;
            var indices = order.narrow(0, first, Math.Min(options.BatchSize, count - first));
            var x = inputs.index_select(0, indices);
            var y = labels.index_select(0, indices);
            if (options.HorizontalFlip)
            {
                var flip = (rand([x.shape[0]], generator: generator) < 0.5).view(-1, 1, 1, 1);
                x = where(flip, x.flip(3), x);
            }

            optimizer.zero_grad();
            var logits = model.call(x);
            var loss = nn.functional.cross_entropy(logits, y);
            loss.backward();
            float value = loss.item<float>();
            if (!float.IsFinite(value) || !GradientsFinite())
            {
                optimizer.zero_grad();
                throw new TrainingDivergedException(model.GetName(), epoch, batch + 1, value);
            }

            optimizer.step();
            lossSum += value * x.shape[0];
            correct += logits.argmax(1).eq(y).sum().item<long>();
            progress?.Report((batch + 1, batches));
        }

        clock.Stop();
        return (lossSum / count, (double)correct / count, count, clock.Elapsed);
    }

    /// <summary>The fraction of images a model classifies correctly, in eval mode without gradients; restores the model's mode.</summary>
    /// <param name="model">The model.</param>
    /// <param name="inputs">Preprocessed images.</param>
    /// <param name="labels">Their labels.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <exception cref="ArgumentException">The set is empty, the images do not fit the model, or the labels are not one class index per image.</exception>
    public static double Evaluate(GalleryModel model, Tensor inputs, Tensor labels, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        using var lease = model.Usage.Enter("evaluation", wantsExclusive: () => model.training);
        bool wasTraining = model.training;
        CheckData(model, inputs, labels, nameof(inputs), nameof(labels));
        long count = inputs.shape[0];
        long correct = 0;
        try
        {
            if (wasTraining)
            {
                model.eval();
            }

            using var inference = inference_mode();
            for (long start = 0; start < count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                long end = Math.Min(count, start + batchSize);
                correct += model.call(inputs.narrow(0, start, end - start)).argmax(1).eq(labels.narrow(0, start, end - start)).sum().item<long>();
            }
        }
        finally
        {
            if (wasTraining)
            {
                model.train();
            }
        }

        return (double)correct / count;
    }

    /// <summary>Checks images against the model's input and labels against the images and the class count.</summary>
    private static void CheckData(GalleryModel model, Tensor inputs, Tensor labels, string inputsName, string labelsName)
    {
        model.CheckInput(inputs, inputsName);
        if (labels.dtype != ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != inputs.shape[0])
        {
            throw new ArgumentException(
                $"{model.GetName()} needs one int64 class index per image: {inputs.shape[0]} labels of shape [{inputs.shape[0]}], " +
                $"but received {labels.dtype} [{string.Join(", ", labels.shape)}].", labelsName);
        }

        using var scope = NewDisposeScope();
        long low = labels.min().item<long>(), high = labels.max().item<long>();
        if (low < 0 || high >= model.NumClasses)
        {
            throw new ArgumentException(
                $"{model.GetName()} has {model.NumClasses} classes, so labels must lie in 0 to {model.NumClasses - 1}; received labels from {low} to {high}.", labelsName);
        }
    }

    /// <summary>Whether every gradient is finite, with one synchronisation for all of them.</summary>
    private bool GradientsFinite()
    {
        using var scope = NewDisposeScope();
        var finite = model.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToList();
        return finite.Count == 0 || stack(finite).all().item<bool>();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        optimizer.Dispose();
        generator.Dispose();
    }
}
