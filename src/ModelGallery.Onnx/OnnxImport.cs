using System.Runtime.InteropServices;
using Google.Protobuf;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Weights;
using Onnx;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>Weights from an ONNX file into a gallery model of the same architecture.</summary>
public static class OnnxImport
{
    /// <summary>
    /// Loads the float32 initializers of an ONNX model into <paramref name="model"/>, matched by graph structure, not
    /// by name: the graph's Conv, BatchNormalization and Gemm nodes, read backwards from its outputs (every node after
    /// its inputs; at a sum, the branch with more nodes behind it first), pair one to one with the model's Conv2d,
    /// BatchNorm2d and Linear modules in call order (a residual block's main path before its shortcut). Conv W and B
    /// become <c>weight</c> and <c>bias</c>; BatchNormalization scale, B, mean and var become <c>weight</c>, <c>bias</c>,
    /// <c>running_mean</c> and <c>running_var</c>; Gemm B (transposed when <c>transB</c> is 0) and C become the
    /// Linear's <c>weight</c> and <c>bias</c>. As <see cref="WeightsExtensions.LoadWeights(TorchSharp.torch.nn.Module, string, LoadOptions?, WeightsFormat?)"/>,
    /// the load is strict and all or nothing unless <paramref name="options"/> say otherwise.
    /// </summary>
    /// <param name="model">The model, built with the architecture the file was exported from.</param>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Strictness and what to skip (such as the classifier of a file that has none); null for <see cref="LoadOptions.Default"/>.</param>
    /// <returns>
    /// Every tensor accounted for: model keys loaded, skipped (by the options, and batch norms' <c>num_batches_tracked</c>,
    /// which ONNX does not hold) or missing; initializers that no weighted node reads listed as skipped with the node
    /// that reads them (<c>onnx:Name (Reshape)</c>), those nothing reads or that pair with no module as unexpected;
    /// shapes that differ as mismatched.
    /// </returns>
    /// <remarks>
    /// Besides shapes, a convolution's stride, dilation and groups and a batch norm's epsilon must be the model's (a
    /// ResNet with the stride on the bottleneck's first 1×1, say, has the same shapes): differences are mismatches.
    /// Pads are not compared: exporters write the same windows differently (CNTK pads a stride-2 3×3 convolution
    /// <c>[1, 1, 0, 0]</c>, which at even sizes selects the windows of PyTorch's symmetric 1).
    /// </remarks>
    /// <exception cref="WeightsFileException">The file is not an ONNX model, or keeps its tensors in external files.</exception>
    /// <exception cref="WeightsMismatchException">A strict load found tensors that do not pair; the model is unchanged.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public static LoadReport LoadWeights(GalleryModel model, string path, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= LoadOptions.Default;
        GraphProto graph = Read(path);
        var tensors = graph.Initializer.ToDictionary(t => t.Name);
        var onnx = OnnxWeightGraph.Of(graph);

        using var lease = model.Usage.EnterExclusive(nameof(LoadWeights));
        using var scope = NewDisposeScope();
        var target = model.state_dict();
        string[] skip = [.. options.SkipModules, .. options.SkipClassifier ? model.ClassifierModules : []];
        bool Skipped(string module) => skip.Any(prefix => module == prefix || module.StartsWith(prefix + ".", StringComparison.Ordinal));
        var modules = ModelWeightLayout.Of(model).Where(m => !Skipped(m.Module)).ToList();

        var loads = new List<(string Key, TensorProto Tensor, bool Transpose)>();
        var unexpected = new List<string>();
        var mismatched = new List<(string Key, string Expected, string Found)>();
        int paired = 0;
        for (; paired < Math.Min(modules.Count, onnx.Weighted.Count) && modules[paired].Kind == onnx.Weighted[paired].Kind; paired++)
        {
            var (module, node) = (modules[paired], onnx.Weighted[paired]);
            for (int i = 0; i < module.Keys.Length; i++)
            {
                if (node.Tensors[i] is not { } name)
                {
                    continue; // the key, if any, stays missing
                }

                TensorProto tensor = tensors[name];
                bool transpose = node.TransposeWeight && i == 0;
                if (module.Keys[i] is not { } key)
                {
                    unexpected.Add(name);
                }
                else if (node.Problem is { } problem)
                {
                    mismatched.Add((key, Describe(target[key].shape), problem));
                }
                else if (node.Geometry != module.Geometry)
                {
                    mismatched.Add((key, $"{module.Module}: {module.Geometry}", $"{node.Node}: {node.Geometry}"));
                }
                else if (tensor.DataType != (int)TensorProto.Types.DataType.Float || !Dims(tensor, transpose).SequenceEqual(target[key].shape) || target[key].dtype != ScalarType.Float32)
                {
                    mismatched.Add((key, $"{target[key].dtype} [{string.Join(", ", target[key].shape)}]",
                        $"{(TensorProto.Types.DataType)tensor.DataType} [{string.Join(", ", tensor.Dims)}] ('{name}' of {node.Node})"));
                }
                else
                {
                    loads.Add((key, tensor, transpose));
                }
            }
        }

        unexpected.AddRange(onnx.Weighted.Skip(paired).SelectMany(node => node.Tensors).OfType<string>());
        unexpected.AddRange(onnx.Unused);
        var loaded = loads.Select(load => load.Key).ToHashSet();
        var mismatchedKeys = mismatched.Select(m => m.Key).ToHashSet();
        var counters = modules.Take(paired).Where(m => m.Kind == WeightedKind.BatchNorm).Select(m => m.Module + ".num_batches_tracked").Where(target.ContainsKey);
        string[] skipped = [.. target.Keys.Where(key => Skipped(key[..key.LastIndexOf('.')])).Concat(counters).Order(StringComparer.Ordinal),
            .. onnx.Constants.Select(c => $"onnx:{c.Name} ({c.ReadBy})")];
        var report = new LoadReport(
            loaded: [.. target.Keys.Where(loaded.Contains)],
            skipped: skipped,
            missing: [.. target.Keys.Where(key => !loaded.Contains(key) && !mismatchedKeys.Contains(key) && !skipped.Contains(key)).Order(StringComparer.Ordinal)],
            unexpected: [.. unexpected.Order(StringComparer.Ordinal)],
            mismatched: [.. mismatched.OrderBy(m => m.Key, StringComparer.Ordinal)]);
        if (options.Strict && !report.IsComplete)
        {
            throw new WeightsMismatchException(path, model.GetName(), report);
        }

        using (no_grad())
        {
            foreach (var (key, proto, transpose) in loads)
            {
                var values = tensor(Floats(proto), [.. proto.Dims]);
                target[key].copy_(transpose ? values.t() : values);
            }
        }

        return report;
    }

    private static GraphProto Read(string path)
    {
        ModelProto proto;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            proto = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new WeightsFileException(path, $"it is not an ONNX model: {e.Message}", e);
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
        {
            throw new WeightsFileException(path, "it is not an ONNX model: it has no graph nodes.");
        }

        if (proto.Graph.Initializer.FirstOrDefault(t => t.DataLocation == TensorProto.Types.DataLocation.External) is { } external)
        {
            throw new WeightsFileException(path, $"initializer '{external.Name}' is kept in an external file; only tensors inside the .onnx file can be loaded.");
        }

        return proto.Graph;
    }

    private static long[] Dims(TensorProto tensor, bool transpose) =>
        transpose && tensor.Dims.Count == 2 ? [tensor.Dims[1], tensor.Dims[0]] : [.. tensor.Dims];

    private static string Describe(long[] shape) => $"Float32 [{string.Join(", ", shape)}]";

    private static float[] Floats(TensorProto tensor) => tensor.RawData.Length > 0
        ? MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray() // ONNX raw data is little-endian, as .NET on every supported platform
        : [.. tensor.FloatData];
}
