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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Epochs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize);
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
            optimizer.step();
            lossSum += loss.item<float>() * x.shape[0];
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
    public static double Evaluate(GalleryModel model, Tensor inputs, Tensor labels, int batchSize = 1000)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        bool wasTraining = model.training;
        using var lease = wasTraining ? model.Usage.EnterExclusive("evaluation (switching to eval mode)") : model.Usage.EnterShared("evaluation");
        long count = inputs.shape[0];
        long correct = 0;
        try
        {
            model.eval();
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
            model.train(wasTraining);
        }

        return (double)correct / count;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        optimizer.Dispose();
        generator.Dispose();
    }
}
