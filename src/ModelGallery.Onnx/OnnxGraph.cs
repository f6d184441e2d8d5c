using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace ModelGallery.Onnx;

/// <summary>
/// An ONNX graph under construction: nodes in topological order, float32 initializers, unique names.
/// It knows ONNX, not models: <see cref="OnnxLayerWriter"/> decides what to emit.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly GraphProto graph = new();
    private readonly Dictionary<string, int> counters = [];

    public OnnxGraph(string name) => graph.Name = name;

    /// <summary>Adds one node and returns the name of its (single) output.</summary>
    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes)
    {
        string output = Unique(name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return output;
    }

    /// <summary>Adds a float32 constant and returns its name.</summary>
    public string Initializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        long count = dims.Aggregate(1L, (product, dim) => product * dim);
        if (count != values.Length)
        {
            throw new ArgumentException($"Initializer '{name}': {values.Length} values do not fill the shape [{string.Join(", ", dims)}].", nameof(values));
        }

        string unique = Unique(name);
        var tensor = new TensorProto { Name = unique, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)); // ONNX raw data is little-endian, as .NET on every supported platform
        graph.Initializer.Add(tensor);
        return unique;
    }

    /// <summary>Declares a graph input or output: float32 with a symbolic batch axis and fixed other axes.</summary>
    public void Input(string name, string batchAxis, params long[] dims) => graph.Input.Add(FloatValue(name, batchAxis, dims));

    /// <inheritdoc cref="Input"/>
    public void Output(string name, string batchAxis, params long[] dims) => graph.Output.Add(FloatValue(name, batchAxis, dims));

    /// <summary>Renames the output of the last node (so the graph's output has a stable name).</summary>
    public void RenameLastOutput(string name)
    {
        graph.Node[^1].Output[0] = name;
    }

    public GraphProto ToProto() => graph;

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Unique(string name)
    {
        int seen = counters.GetValueOrDefault(name);
        counters[name] = seen + 1;
        return seen == 0 ? name : $"{name}_{seen}";
    }

    private static ValueInfoProto FloatValue(string name, string batchAxis, long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchAxis });
        shape.Dim.AddRange(dims.Select(dim => new TensorShapeProto.Types.Dimension { DimValue = dim }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
