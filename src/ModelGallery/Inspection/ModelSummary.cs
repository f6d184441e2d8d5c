using ModelGallery.Layers;
using ModelGallery.Modeling;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Inspection;

/// <summary>
/// A per-layer summary of a model, computed by one forward pass with hooks: for each row its input and output
/// shapes, parameters and multiply-accumulates, and totals for the whole model.
/// </summary>
/// <remarks>
/// <para>
/// <b>MACs</b> count the multiply-accumulates of convolutions (<c>output elements × input channels per group ×
/// kernel area</c>) and fully connected layers (<c>output elements × input features</c>) for the traced batch:
/// weights only, no bias additions, and nothing for pooling, normalisation, dropout or activations. That is the
/// convention of the "GFLOPS" torchvision publishes (VGG-16: 15.47 G per image).
/// </para>
/// <para>
/// Sizes are in megabytes of 10⁶ bytes: the input, the parameters, and the forward activations (the outputs of
/// every leaf module). Their sum is an estimate of the memory one forward pass needs.
/// </para>
/// <para>
/// The pass runs in eval mode, without gradients and inside a dispose scope, on a tensor of zeros. Every hook is
/// removed and every module's training mode restored afterwards, also when the forward pass throws. Do not run a
/// summary while another thread uses the same model: for a gallery model that is detected and throws
/// <see cref="InvalidOperationException"/>.
/// </para>
/// </remarks>
public sealed partial class ModelSummary
{
    private const double Megabyte = 1e6;

    private ModelSummary(string modelName, bool leaves, IReadOnlyList<long> inputShape, IReadOnlyList<LayerSummary> rows, long totalParameters, long trainableParameters, long totalMacs, double inputSize, double parameterSize, double activationSize)
    {
        ModelName = modelName;
        Leaves = leaves;
        InputShape = inputShape;
        Rows = rows;
        TotalParameters = totalParameters;
        TrainableParameters = trainableParameters;
        TotalMacs = totalMacs;
        InputSizeMB = inputSize;
        ParameterSizeMB = parameterSize;
        ActivationSizeMB = activationSize;
    }

    /// <summary>The model's name, as <c>GetName()</c> gives it.</summary>
    public string ModelName { get; }

    /// <summary>True when the rows are every leaf module; false when they are the README rows (or direct children).</summary>
    public bool Leaves { get; }

    /// <summary>Shape of the traced input, batch first.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>The rows, in call order.</summary>
    public IReadOnlyList<LayerSummary> Rows { get; }

    /// <summary>All parameters of the model.</summary>
    public long TotalParameters { get; }

    /// <summary>Parameters that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Parameters that do not require gradients.</summary>
    public long FrozenParameters => TotalParameters - TrainableParameters;

    /// <summary>Multiply-accumulates of one forward pass over the traced batch.</summary>
    public long TotalMacs { get; }

    /// <summary>Size of the input tensor in MB (10⁶ bytes).</summary>
    public double InputSizeMB { get; }

    /// <summary>Size of the parameters in MB.</summary>
    public double ParameterSizeMB { get; }

    /// <summary>Size of all leaf-module outputs of the forward pass in MB.</summary>
    public double ActivationSizeMB { get; }

    /// <summary>Input, parameters and activations together, in MB.</summary>
    public double EstimatedTotalMB => InputSizeMB + ParameterSizeMB + ActivationSizeMB;

    /// <summary>Summarises a gallery model row by row (its <see cref="GalleryModel.Stages"/>) on a batch of its input shape.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batch">Images in the traced batch, at least 1. MACs and activation sizes grow with it.</param>
    /// <param name="leaves">True for one row per leaf module (a module without children) in call order; false (default) for the README rows.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
    /// <exception cref="InsufficientMemoryException">The traced batch does not fit in memory.</exception>
    public static ModelSummary Create(GalleryModel model, int batch = 1, bool leaves = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        IStagedModel staged = model;
        return Create(model, [batch, .. staged.SampleShape], leaves, model.Stages);
    }

    /// <summary>Summarises any module that maps one tensor to one tensor, such as your own model.</summary>
    /// <param name="model">The module.</param>
    /// <param name="inputShape">Shape of the float32 input to trace with, batch first.</param>
    /// <param name="leaves">True for one row per leaf module in call order; false (default) for one row per direct child.</param>
    /// <exception cref="ArgumentException"><paramref name="inputShape"/> is empty or has a dimension that is not positive.</exception>
    /// <exception cref="InsufficientMemoryException">The traced input does not fit in memory.</exception>
    public static ModelSummary Create(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, bool leaves = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count == 0 || inputShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"An input shape needs at least one dimension, all positive; received [{string.Join(", ", inputShape)}].", nameof(inputShape));
        }

        var stages = (model as IStagedModel)?.Stages
            ?? [.. model.named_children().Select(child => new ModelStage(child.name, [child.name]))];
        return Create(model, inputShape, leaves, stages);
    }

    private static ModelSummary Create(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, bool leaves, IReadOnlyList<ModelStage> stages)
    {
        using var lease = (model as IGuardedModule)?.Usage.EnterExclusive("a summary", changesModel: false);
        ForwardTrace trace;
        try
        {
            trace = ForwardTrace.Run(model, inputShape);
        }
        catch (Exception e) when (NativeMemory.IsAllocationFailure(e) || e.InnerException is { } inner && NativeMemory.IsAllocationFailure(inner))
        {
            double inputBytes = inputShape.Aggregate(4.0, (a, b) => a * b);
            throw NativeMemory.Failure(
                $"{model.GetName()} has not enough memory for a summary with input [{string.Join(", ", inputShape)}] ({NativeMemory.Bytes(inputBytes)} for the input alone); use a smaller batch",
                e.InnerException ?? e);
        }

        IEnumerable<ModelStage> rows = leaves
            ? trace.LeavesInCallOrder.Select(path => new ModelStage(path, [path]))
            : stages;
        var parameters = model.parameters().ToList();
        long inputElements = inputShape.Aggregate(1L, (a, b) => a * b);
        return new ModelSummary(
            model.GetName(),
            leaves,
            [.. inputShape],
            [.. rows.Select(trace.Summarise)],
            parameters.Sum(p => p.numel()),
            parameters.Where(p => p.requires_grad).Sum(p => p.numel()),
            trace.TotalMacs,
            inputElements * sizeof(float) / Megabyte, // the traced input is float32 zeros
            parameters.Sum(p => p.numel() * p.ElementSize) / Megabyte,
            trace.ActivationBytes / Megabyte);
    }

    /// <inheritdoc/>
    public override string ToString() => ToText();
}
