using System.Reflection;
using Google.Protobuf;
using ModelGallery.IO;
using ModelGallery.Modeling;
using ModelGallery.Models;
using Onnx;

namespace ModelGallery.Onnx;

/// <summary>
/// Writes a gallery model as an ONNX model (opset <see cref="Opset"/>, IR version 8): one float32 input
/// <c>input</c> of shape <c>batch×C×H×W</c> with a symbolic batch axis, one output <c>logits</c> of shape
/// <c>batch×NumClasses</c>. The graph is written from the model's typed layers in eval-mode form: dropout is
/// left out, batch norm uses its running statistics, auxiliary classifiers are not exported (they only train).
/// </summary>
/// <remarks>
/// TorchSharp has no exporter of its own (dotnet/TorchSharp#1281). The graph is kept lean for ONNX Runtime:
/// local response normalisation is a 1×1 convolution with a banded weight and two square roots instead of the
/// <c>LRN</c> operator, which ONNX Runtime runs slowly.
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the export targets.</summary>
    public const int Opset = 17;

    /// <summary>The name of the graph's input.</summary>
    public const string InputName = "input";

    /// <summary>The name of the graph's output.</summary>
    public const string OutputName = "logits";

    /// <summary>The symbolic name of the batch axis of input and output.</summary>
    internal const string BatchAxis = "batch";

    /// <summary>Builds the ONNX model in memory.</summary>
    /// <param name="model">The model to export; its weights are read, its training mode is not changed.</param>
    /// <param name="height">Input height to export at; null for the model's table size (fixed in the graph).</param>
    /// <param name="width">Input width to export at; null for the model's table size.</param>
    /// <returns>The serialized ONNX model.</returns>
    /// <exception cref="ArgumentException">The size is not one the model accepts.</exception>
    /// <exception cref="NotSupportedException">The model contains a layer the exporter does not know.</exception>
    public static byte[] ToOnnx(this GalleryModel model, int? height = null, int? width = null) => Build(model, height, width).ToByteArray();

    /// <summary>Writes the ONNX model to <paramref name="stream"/>.</summary>
    /// <param name="model">The model to export; its weights are read, its training mode is not changed.</param>
    /// <param name="height">Input height to export at; null for the model's table size (fixed in the graph).</param>
    /// <param name="width">Input width to export at; null for the model's table size.</param>
    /// <param name="stream">A writable stream.</param>
    /// <exception cref="ArgumentException">The size is not one the model accepts.</exception>
    /// <exception cref="NotSupportedException">The model contains a layer the exporter does not know.</exception>
    public static void ExportOnnx(this GalleryModel model, Stream stream, int? height = null, int? width = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Build(model, height, width).WriteTo(stream);
    }

    /// <summary>
    /// Writes the ONNX model to a file, atomically: a temporary file next to it is written first and moved into
    /// place, so a failed export leaves any existing file as it was.
    /// </summary>
    /// <param name="model">The model to export; its weights are read, its training mode is not changed.</param>
    /// <param name="height">Input height to export at; null for the model's table size (fixed in the graph).</param>
    /// <param name="width">Input width to export at; null for the model's table size.</param>
    /// <param name="path">The file to write, usually ending in <c>.onnx</c>.</param>
    /// <exception cref="ArgumentException">The size is not one the model accepts.</exception>
    /// <exception cref="NotSupportedException">The model contains a layer the exporter does not know.</exception>
    /// <exception cref="IOException">The path exists and is not a regular file, or cannot be written.</exception>
    public static void ExportOnnx(this GalleryModel model, string path, int? height = null, int? width = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto proto = Build(model, height, width);
        AtomicFile.Write(path, proto.WriteTo, durable: false); // as onnx.save, but whole or not at all
    }

    private static ModelProto Build(GalleryModel model, int? height, int? width)
    {
        ArgumentNullException.ThrowIfNull(model);
        InputShape input = model.Input;
        int h = height ?? input.Height, w = width ?? input.Width;
        bool accepted = input.MinSize is { } min ? h >= min && w >= min : h == input.Height && w == input.Width;
        if (!accepted)
        {
            throw new ArgumentException($"{model.GetName()} accepts inputs of shape {input}; cannot export at {h}×{w}.", nameof(height));
        }

        // The weights stay as they are while they are read: shared, or exclusive when the trace must switch to eval mode.
        using var lease = model.Usage.Enter("ONNX export", wantsExclusive: () => model.training);
        var graph = new OnnxGraph(model.GetName());
        var writer = new OnnxLayerWriter(graph);
        graph.Input(InputName, BatchAxis, input.Channels, h, w);
        var value = new OnnxLayerWriter.Value(InputName, [input.Channels, h, w]);
        foreach (var (name, child) in CallOrder.Of(model, [1, input.Channels, h, w]))
        {
            value = writer.Write(name, child, value);
        }

        if (value.Shape is not [long classes] || classes != model.NumClasses)
        {
            throw new InvalidOperationException($"The export of {model.GetName()} ends with shape [{string.Join(", ", value.Shape)}] instead of [{model.NumClasses}].");
        }

        graph.RenameLastOutput(OutputName);
        graph.Output(OutputName, BatchAxis, model.NumClasses);
        return Wrap(graph, $"{model.GetName()}, input {InputName} batch×{input.Channels}×{h}×{w} float32, output {OutputName} batch×{model.NumClasses} (logits, no softmax).");
    }

    /// <summary>A finished graph as an ONNX model: IR version 8, the default domain at <see cref="Opset"/>.</summary>
    internal static ModelProto Wrap(OnnxGraph graph, string docString)
    {
        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "ModelGallery",
            ProducerVersion = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            DocString = docString,
            Graph = graph.ToProto(),
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        return proto;
    }
}
