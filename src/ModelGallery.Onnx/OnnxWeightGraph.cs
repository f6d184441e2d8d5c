using Onnx;

namespace ModelGallery.Onnx;

/// <summary>The kind of layer a weighted ONNX node or model module is, for pairing the two.</summary>
internal enum WeightedKind
{
    Conv,
    BatchNorm,
    Linear,
}

/// <summary>One way to write the geometry of a weighted layer on both sides, so that equal means equal.</summary>
internal static class WeightedGeometry
{
    public static string Conv(long[] stride, long[] dilation, long groups) => $"stride {string.Join("×", stride)}, dilation {string.Join("×", dilation)}, groups {groups}";

    public static string BatchNorm(float epsilon) => $"epsilon {epsilon:G6}";
}

/// <summary>
/// One weighted node of an ONNX graph: its initializers in the order the matching module's state_dict keys take them
/// (Conv: W, B; BatchNormalization: scale, B, mean, var; Gemm: B, C), null where the node has none.
/// </summary>
/// <param name="Kind">The layer kind.</param>
/// <param name="Node">The node's name, for messages.</param>
/// <param name="Tensors">The initializers' names, in state_dict key order.</param>
/// <param name="Geometry">What the weights do not show but the numbers depend on (a convolution's stride, dilation and groups, a batch norm's epsilon), as <see cref="WeightedGeometry"/> writes it.</param>
/// <param name="TransposeWeight">A Gemm whose B is [in, out] (<c>transB = 0</c>): transposed into Linear's [out, in].</param>
/// <param name="Problem">Why the node cannot be loaded as it is (a Gemm with alpha, beta or transA), else null.</param>
internal sealed record OnnxWeighted(WeightedKind Kind, string Node, string?[] Tensors, string Geometry, bool TransposeWeight = false, string? Problem = null);

/// <summary>
/// The weighted nodes of an ONNX graph in a canonical order found from its structure, not from its names: the graph is
/// read backwards from its outputs, every node after its inputs (the traced call order of the exporter), and where two
/// branches meet in a sum the one with more nodes behind it (a residual block's main path) comes before the other (its
/// shortcut); a concatenation keeps its inputs' order. Initializers that feed no weighted node are listed apart.
/// </summary>
internal sealed class OnnxWeightGraph
{
    private readonly Dictionary<string, NodeProto> producers = [];
    private readonly HashSet<string> initializers;
    private readonly HashSet<NodeProto> visited = [];
    private readonly List<OnnxWeighted> weighted = [];

    private OnnxWeightGraph(GraphProto graph)
    {
        initializers = [.. graph.Initializer.Select(tensor => tensor.Name)];
        foreach (var node in graph.Node)
        {
            foreach (string output in node.Output)
            {
                producers[output] = node;
            }
        }

        foreach (var output in graph.Output)
        {
            Visit(output.Name);
        }

        var used = weighted.SelectMany(w => w.Tensors).OfType<string>().ToHashSet();
        var consumers = graph.Node.SelectMany(node => node.Input.Select(input => (input, node.OpType))).ToLookup(pair => pair.input, pair => pair.OpType);
        Constants = [.. graph.Initializer.Select(t => t.Name).Where(name => !used.Contains(name) && consumers.Contains(name))
            .Select(name => (name, consumers[name].First()))];
        Unused = [.. graph.Initializer.Select(t => t.Name).Where(name => !used.Contains(name) && !consumers.Contains(name))];
    }

    /// <summary>The weighted nodes in canonical order.</summary>
    public IReadOnlyList<OnnxWeighted> Weighted => weighted;

    /// <summary>Initializers that feed only unweighted nodes (shapes, pads, constants), with the first node type that reads each.</summary>
    public IReadOnlyList<(string Name, string ReadBy)> Constants { get; }

    /// <summary>Initializers no node reads.</summary>
    public IReadOnlyList<string> Unused { get; }

    public static OnnxWeightGraph Of(GraphProto graph) => new(graph);

    private void Visit(string tensor)
    {
        if (!producers.TryGetValue(tensor, out var node) || !visited.Add(node))
        {
            return;
        }

        var inputs = node.Input.Where(input => input.Length > 0 && !initializers.Contains(input)).ToList();
        foreach (string input in node.OpType == "Concat" ? inputs : [.. inputs.OrderByDescending(NodesBehind)])
        {
            Visit(input);
        }

        if (WeightedOf(node) is { } found)
        {
            weighted.Add(found);
        }
    }

    /// <summary>How many nodes the tensor depends on.</summary>
    private int NodesBehind(string tensor)
    {
        var seen = new HashSet<NodeProto>();
        var pending = new Stack<string>([tensor]);
        while (pending.TryPop(out var name))
        {
            if (producers.TryGetValue(name, out var node) && seen.Add(node))
            {
                node.Input.ToList().ForEach(pending.Push);
            }
        }

        return seen.Count;
    }

    private OnnxWeighted? WeightedOf(NodeProto node)
    {
        string? Initializer(int index) => index < node.Input.Count && initializers.Contains(node.Input[index]) ? node.Input[index] : null;
        AttributeProto? Attribute(string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
        long[] Pair(string name) => Attribute(name) is { Ints.Count: > 0 } ints ? [.. ints.Ints] : [1, 1];
        switch (node.OpType)
        {
            case "Conv":
                return new(WeightedKind.Conv, node.Name, [Initializer(1), Initializer(2)], WeightedGeometry.Conv(Pair("strides"), Pair("dilations"), Attribute("group")?.I ?? 1));
            case "BatchNormalization":
                return new(WeightedKind.BatchNorm, node.Name, [Initializer(1), Initializer(2), Initializer(3), Initializer(4)], WeightedGeometry.BatchNorm(Attribute("epsilon")?.F ?? 1e-5f));
            case "Gemm":
                float alpha = Attribute("alpha")?.F ?? 1, beta = Attribute("beta")?.F ?? 1;
                long transA = Attribute("transA")?.I ?? 0, transB = Attribute("transB")?.I ?? 0;
                string? problem = alpha != 1 || beta != 1 || transA != 0
                    ? $"Gemm '{node.Name}' has alpha {alpha}, beta {beta}, transA {transA}; a Linear layer needs 1, 1, 0" : null;
                return new(WeightedKind.Linear, node.Name, [Initializer(1), Initializer(2)], string.Empty, TransposeWeight: transB == 0, problem);
            default:
                return null;
        }
    }
}
