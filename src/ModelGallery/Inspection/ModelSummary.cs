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
public sealed class ModelSummary
{
    private const double Megabyte = 1e6;

    private ModelSummary(string modelName, SummaryDepth depth, IReadOnlyList<long> inputShape, IReadOnlyList<LayerSummary> rows, long totalParameters, long trainableParameters, long totalMacs, double inputSize, double parameterSize, double activationSize)
    {
        ModelName = modelName;
        Depth = depth;
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

    /// <summary>Which modules the rows list.</summary>
    public SummaryDepth Depth { get; }

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

    /// <summary>Summarises a model that describes its rows (every gallery model) on a batch of its input shape.</summary>
    /// <typeparam name="TModel">The model's type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="batch">Images in the traced batch, at least 1. MACs and activation sizes grow with it.</param>
    /// <param name="depth">README rows (default) or every leaf module.</param>
    public static ModelSummary Create<TModel>(TModel model, int batch = 1, SummaryDepth depth = SummaryDepth.Rows)
        where TModel : nn.Module<Tensor, Tensor>, IStagedModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        return Create(model, [batch, .. model.SampleShape], depth, model.Stages);
    }

    /// <summary>Summarises any module that maps one tensor to one tensor, such as your own model.</summary>
    /// <param name="model">The module.</param>
    /// <param name="inputShape">Shape of the float32 input to trace with, batch first.</param>
    /// <param name="depth">Direct children (default) or every leaf module.</param>
    public static ModelSummary Create(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, SummaryDepth depth = SummaryDepth.Rows)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count == 0 || inputShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"An input shape needs at least one dimension, all positive; received [{string.Join(", ", inputShape)}].", nameof(inputShape));
        }

        var stages = (model as IStagedModel)?.Stages
            ?? [.. model.named_children().Select(child => new ModelStage(child.name, [child.name]))];
        return Create(model, inputShape, depth, stages);
    }

    private static ModelSummary Create(nn.Module<Tensor, Tensor> model, IReadOnlyList<long> inputShape, SummaryDepth depth, IReadOnlyList<ModelStage> stages)
    {
        using var lease = (model as IGuardedModule)?.Usage.EnterExclusive("a summary");
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

        IEnumerable<ModelStage> rows = depth == SummaryDepth.Leaves
            ? trace.LeavesInCallOrder.Select(path => new ModelStage(path, [path]))
            : stages;
        var parameters = model.parameters().ToList();
        long inputElements = inputShape.Aggregate(1L, (a, b) => a * b);
        return new ModelSummary(
            model.GetName(),
            depth,
            [.. inputShape],
            [.. rows.Select(trace.Summarise)],
            parameters.Sum(p => p.numel()),
            parameters.Where(p => p.requires_grad).Sum(p => p.numel()),
            trace.TotalMacs,
            inputElements * sizeof(float) / Megabyte, // the traced input is float32 zeros
            parameters.Sum(p => p.numel() * p.ElementSize) / Megabyte,
            trace.ActivationBytes / Megabyte);
    }

    /// <summary>A plain-text table with one line per row and the totals underneath.</summary>
    public string ToText()
    {
        string[] header = ["Row", "Kind", "Input", "Output", "Params", "MACs", "Kernel/Stride/Pad", "Filters"];
        var lines = Rows.Select(row => new[]
        {
            row.Name,
            row.Kind,
            Shape(row.InputShape),
            Shape(row.OutputShape),
            Number(row.Parameters),
            Number(row.Macs),
            row.Layer is { } g ? $"{Pair(g.Kernel)}/{Pair(g.Stride)}/{Pair(g.Padding)}" : "-",
            row.Layer?.Filters is { } f ? Number(f) : "-",
        }).ToList();
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, lines.Select(l => l[i].Length).DefaultIfEmpty(0).Max()))];
        bool[] right = [false, false, false, false, true, true, false, true];
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => right[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{ModelName} — input {Shape(InputShape)}");
        text.AppendLine(Line(header));
        text.AppendLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        lines.ForEach(l => text.AppendLine(Line(l)));
        text.AppendLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        foreach (var (label, value) in Totals())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{label}: {value}");
        }

        return text.ToString();
    }

    /// <summary>A Markdown pipe table with the README tables' columns, plus parameters and MACs, and the totals as a list.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| Layer | Kernel Size | Number of Filter | Stride | Padding | Activation Function | Output Size | Parameters | MACs |");
        text.AppendLine("|---|---|---|---|---|---|---|---:|---:|");
        foreach (var row in Rows)
        {
            var g = row.Layer;
            string[] cells =
            [
                $"{row.Name} ({row.Kind})",
                g is not null ? string.Join(" x ", g.Kernel)
                    : row.Kind == "Linear" ? row.OutputShape[^1].ToString(CultureInfo.InvariantCulture) // the README's rule: units
                    : "-",
                g?.Filters is { } f ? f.ToString(CultureInfo.InvariantCulture) : "-",
                g is null ? "-" : Pair(g.Stride),
                g is null ? "-" : Pair(g.Padding),
                row.Activation,
                ReadmeShape(row.OutputShape),
                Number(row.Parameters),
                Number(row.Macs),
            ];
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
        }

        text.AppendLine();
        foreach (var (label, value) in Totals())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {label}: {value}");
        }

        return text.ToString();
    }

    /// <summary>The summary as indented JSON: the model name, input shape, rows and totals.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            model = ModelName,
            depth = Depth.ToString().ToLowerInvariant(),
            inputShape = InputShape,
            rows = Rows,
            totals = new
            {
                parameters = TotalParameters,
                trainableParameters = TrainableParameters,
                frozenParameters = FrozenParameters,
                macs = TotalMacs,
                inputSizeMB = InputSizeMB,
                parameterSizeMB = ParameterSizeMB,
                activationSizeMB = ActivationSizeMB,
                estimatedTotalMB = EstimatedTotalMB,
            },
        },
        JsonOptions);

    /// <inheritdoc/>
    public override string ToString() => ToText();

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private IEnumerable<(string Label, string Value)> Totals() =>
    [
        ("Total parameters", Number(TotalParameters)),
        ("Trainable parameters", Number(TrainableParameters)),
        ("Frozen parameters", Number(FrozenParameters)),
        ("Total MACs", $"{Number(TotalMacs)} ({TotalMacs / 1e9:0.###} G)"),
        ("Input size (MB)", Megabytes(InputSizeMB)),
        ("Parameter size (MB)", Megabytes(ParameterSizeMB)),
        ("Forward activations (MB)", Megabytes(ActivationSizeMB)),
        ("Estimated total (MB)", Megabytes(EstimatedTotalMB)),
    ];

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Megabytes(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Shape(IReadOnlyList<long> shape) => shape.Count == 0 ? "-" : string.Join("×", shape);

    private static string Pair(IReadOnlyList<long> values) => values.Distinct().Count() == 1 ? values[0].ToString(CultureInfo.InvariantCulture) : string.Join(",", values);

    /// <summary>A batch-first shape the way the README writes it: H x W x C, or the vector length.</summary>
    private static string ReadmeShape(IReadOnlyList<long> shape) => shape.Count switch
    {
        4 => $"{shape[2]} x {shape[3]} x {shape[1]}",
        0 => "-",
        _ => string.Join(" x ", shape.Skip(1)),
    };
}
