using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Training;

/// <summary>
/// Trains or fine-tunes any gallery model on batches of (images, labels) from any source, one epoch at a time: forward,
/// cross-entropy with label smoothing (plus weighted auxiliary losses for models with auxiliary classifiers),
/// backward, a finiteness check of the loss and every gradient, optional gradient clipping, then the optimizer step;
/// each step in its own dispose scope, with the model held exclusively. The learning rate changes once per epoch, as in
/// torchvision's classification reference. <see cref="Run"/> adds validation, checkpoints, the best weights and
/// cancellation; <see cref="Resume"/> continues a checkpoint bit for bit.
/// </summary>
/// <remarks>
/// A data source that shuffles or augments must draw its randomness from <see cref="Shuffling"/> while it is
/// enumerated (not when it is created): the trainer checkpoints that generator's state at the start of each epoch, so a
/// resumed run sees the same batches in the same order. The source's tensors created while the trainer fetches a batch
/// belong to that step's dispose scope and are released with it. <see cref="Batches"/> is such a source for
/// preloaded tensors; with <see cref="TrainingOptions.FashionMnist"/> it is the recipe of the shipped LeNet-5 weights.
/// </remarks>
public sealed partial class Trainer : IDisposable
{
    private readonly GalleryModel model;
    private readonly TrainingOptions options;
    private readonly OptimizerHelper optimizer;
    private readonly double[] groupFactors;
    private readonly Parameter[] trained;
    private int epochsDone;
    private int stepsInEpoch;
    private byte[]? epochStartShuffling;
    private double? bestAccuracy;
    private readonly List<EpochResult> history = [];

    /// <summary>
    /// Prepares fine-tuning: freezes what <see cref="TrainingOptions.Freeze"/> says (<c>requires_grad = false</c>),
    /// builds the optimizer with one parameter group, or two with a lower backbone rate, and seeds TorchSharp's
    /// global generator and <see cref="Shuffling"/> with <see cref="TrainingOptions.Seed"/>.
    /// </summary>
    /// <param name="model">The model to train, in place; load its starting weights first.</param>
    /// <param name="options">The recipe.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range; the message names it and the value.</exception>
    /// <exception cref="ArgumentException">Options that do not go together.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public Trainer(GalleryModel model, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var lease = model.Usage.EnterExclusive("creating a trainer");
        this.model = model;
        this.options = options;
        bool IsHead(string name) => model.ClassifierModules.Any(prefix => name.StartsWith(prefix + ".", StringComparison.Ordinal));
        var named = model.named_parameters().ToList();
        var head = named.Where(p => IsHead(p.name)).Select(p => p.parameter).ToArray();
        var backbone = named.Where(p => !IsHead(p.name)).Select(p => p.parameter).ToArray();
        (Parameter[] Parameters, double Factor)[] groups = options.Freeze.BackboneFactor switch
        {
            0 => [(head, 1)],
            1 => [([.. backbone, .. head], 1)],
            double factor => [(backbone, factor), (head, 1)],
        };
        trained = [.. groups.SelectMany(g => g.Parameters)];
        foreach (var (_, parameter) in named)
        {
            parameter.requires_grad = trained.Contains(parameter);
        }

        groupFactors = [.. groups.Select(g => g.Factor)];
        optimizer = CreateOptimizer(options, groups);
        Shuffling = new Generator((ulong)options.Seed);
        manual_seed(options.Seed);
    }

    /// <summary>The generator a data source draws its shuffling and augmentation from; checkpointed with the run.</summary>
    public Generator Shuffling { get; }

    /// <summary>Epochs completed, counting those before a <see cref="Resume"/>.</summary>
    public int EpochsDone => epochsDone;

    /// <summary>
    /// Every completed epoch of the run, in order, with its validation when <see cref="Run"/> measured one; kept in
    /// checkpoints, so after <see cref="Resume"/> it also holds the epochs before the checkpoint.
    /// </summary>
    public IReadOnlyList<EpochResult> History => history;

    /// <summary>The best validation top-1 so far (across resumes), or null without validation.</summary>
    public double? BestAccuracy => bestAccuracy;

    /// <summary>Trains one epoch on <paramref name="batches"/>; a cancelled epoch is finished by the next call (or after <see cref="Resume"/>).</summary>
    /// <param name="batches">The epoch's batches: images as the model takes them, and one int64 label per image.</param>
    /// <param name="progress">Told after every step.</param>
    /// <param name="cancellationToken">Checked between steps: the current step is finished, the rest of the epoch left for later.</param>
    /// <exception cref="ArgumentException">A batch does not fit the model, or its labels are not one class index per image.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite; that step was not applied.</exception>
    /// <exception cref="InvalidOperationException">All epochs are done, or another operation is running on the model.</exception>
    public EpochResult TrainEpoch(IEnumerable<(Tensor Images, Tensor Labels)> batches, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var lease = model.Usage.EnterExclusive("training");
        return Epoch(batches, progress, cancellationToken);
    }

    /// <summary>
    /// Trains the remaining epochs. After each one it evaluates <paramref name="validationBatches"/>, writes the best
    /// weights so far (by top-1) to <paramref name="bestWeightsPath"/> with <c>SaveWeights</c>, and writes a checkpoint
    /// to <paramref name="checkpointPath"/>. On cancellation it finishes the current step, writes a checkpoint and
    /// returns with the last epoch's <see cref="EpochResult.Completed"/> false.
    /// </summary>
    /// <param name="trainBatches">The training batches, enumerated once per epoch.</param>
    /// <param name="validationBatches">Validation batches, or null.</param>
    /// <param name="checkpointPath">The checkpoint file, replaced atomically after each epoch and on cancellation; null for none.</param>
    /// <param name="bestWeightsPath">Where the best weights go (.safetensors or .pt); null for nowhere. Needs validation batches.</param>
    /// <param name="progress">Told after every step.</param>
    /// <param name="epochDone">Told after every completed epoch (and its validation and checkpoint), on the training thread.</param>
    /// <param name="cancellationToken">Stops the run after the current step.</param>
    /// <returns>
    /// The epochs run in this call, in order; when cancelled, the last one is the unfinished epoch. The whole run's
    /// completed epochs, across resumes, are in <see cref="History"/>.
    /// </returns>
    /// <exception cref="TrainingDivergedException">A step's loss or gradients were not finite; the last checkpoint is left as it was.</exception>
    public IReadOnlyList<EpochResult> Run(
        IEnumerable<(Tensor Images, Tensor Labels)> trainBatches, IEnumerable<(Tensor Images, Tensor Labels)>? validationBatches = null,
        string? checkpointPath = null, string? bestWeightsPath = null, IProgress<TrainingProgress>? progress = null,
        IProgress<EpochResult>? epochDone = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainBatches);
        if (bestWeightsPath is not null && validationBatches is null)
        {
            throw new ArgumentException($"The best weights are chosen by validation accuracy, so bestWeightsPath ('{bestWeightsPath}') needs validation batches; received none.", nameof(validationBatches));
        }

        using var lease = model.Usage.EnterExclusive("training");
        var epochs = new List<EpochResult>();
        while (epochsDone < options.Epochs)
        {
            var result = Epoch(trainBatches, progress, cancellationToken);
            if (!result.Completed)
            {
                Checkpoint(checkpointPath);
                epochs.Add(result);
                return epochs;
            }

            if (validationBatches is not null)
            {
                var validation = Evaluate(model, validationBatches, model.NumClasses);
                result = result with { Validation = validation };
                history[^1] = result;
                if (bestAccuracy is null || validation.Top1 > bestAccuracy)
                {
                    bestAccuracy = validation.Top1;
                    if (bestWeightsPath is not null)
                    {
                        model.SaveWeights(bestWeightsPath);
                    }
                }
            }

            epochs.Add(result);
            Checkpoint(checkpointPath);
            epochDone?.Report(result);
        }

        return epochs;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        optimizer.Dispose();
        Shuffling.Dispose();
        DropCache();
    }

    private static OptimizerHelper CreateOptimizer(TrainingOptions options, (Parameter[] Parameters, double Factor)[] groups)
    {
        double lr = options.LearningRate;
        var o = options.Optimizer;
        return o.IsAdamW
            ? optim.AdamW(
                groups.Select(g => new TorchSharp.Modules.AdamW.ParamGroup(g.Parameters, lr * g.Factor, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay)),
                lr, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay)
            : optim.SGD(
                groups.Select(g => new SGD.ParamGroup(g.Parameters, lr * g.Factor, o.Momentum, 0, o.WeightDecay, o.Nesterov)),
                lr, o.Momentum, 0, o.WeightDecay, o.Nesterov);
    }

    private void Checkpoint(string? path)
    {
        if (path is not null)
        {
            SaveCheckpoint(path);
        }
    }
}
