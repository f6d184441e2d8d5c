using ModelGallery.Layers;
using Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>
/// Writes TorchSharp modules as ONNX nodes, following the shape of one sample (batch axis excluded) so that
/// adaptive pooling and flattening can be written with fixed sizes. Supports the vocabulary the gallery's
/// models are built from; anything else throws <see cref="NotSupportedException"/> naming the module.
/// </summary>
internal sealed partial class OnnxLayerWriter(OnnxGraph graph)
{
    /// <summary>A value in the graph: its name and the shape of one sample (C×H×W, or features).</summary>
    public readonly record struct Value(string Name, long[] Shape);

    /// <summary>Writes <paramref name="module"/> applied to <paramref name="input"/> in eval mode.</summary>
    public Value Write(string path, nn.Module module, Value input) => module switch
    {
        Conv2d conv => WriteConv(path, conv, input),
        BatchNorm2d bn => WriteBatchNorm(path, bn, input),
        ReLU => input with { Name = graph.Node("Relu", path, [input.Name]) },
        Sigmoid => input with { Name = graph.Node("Sigmoid", path, [input.Name]) },
        Tanh => input with { Name = graph.Node("Tanh", path, [input.Name]) },
        MaxPool2d pool => WriteMaxPool(path, pool, input),
        AvgPool2d pool => WriteAvgPool(path, pool, input),
        AdaptiveAvgPool2d pool => WriteAdaptiveAvgPool(path, pool, input),
        FastLocalResponseNorm lrn => WriteLrn(path, lrn.Spec, input),
        ChannelAffine affine => WriteChannelAffine(path, affine, input),
        Linear linear => WriteLinear(path, linear, input),
        Dropout => input, // the identity at inference
        InceptionBlock block => WriteInception(path, block, input),
        ResidualBlock block => WriteResidual(path, block, input),
        Sequential or ConvReLU or ConvBnReLU => WriteChain(path, module, input),
        _ => throw new NotSupportedException($"ONNX export does not know the module '{path}' of type {module.GetType().Name}."),
    };

    /// <summary>Writes the children of a module whose forward applies them one after another.</summary>
    private Value WriteChain(string path, nn.Module module, Value input) =>
        module.named_children().Aggregate(input, (value, child) => Write(Join(path, child.name), child.module, value));

    /// <summary>Four branches on the same input, concatenated on the channel axis.</summary>
    private Value WriteInception(string path, InceptionBlock block, Value input)
    {
        Value[] branches = [.. block.named_children().Select(child => Write(Join(path, child.name), child.module, input))];
        long channels = branches.Sum(branch => branch.Shape[0]);
        string output = graph.Node("Concat", Join(path, "concat"), [.. branches.Select(branch => branch.Name)], OnnxGraph.Int("axis", 1));
        return new Value(output, [channels, .. branches[0].Shape[1..]]);
    }

    /// <summary>The main path (convolution, batch norm, ReLU but after the last), the shortcut, their sum and a ReLU.</summary>
    private Value WriteResidual(string path, ResidualBlock block, Value input)
    {
        string Named(nn.Module module) => Join(path, block.named_children().First(child => ReferenceEquals(child.module, module)).name);
        Value x = input;
        for (int i = 0; i < block.MainPath.Count; i++)
        {
            var (conv, norm) = block.MainPath[i];
            x = WriteBatchNorm(Named(norm), norm, WriteConv(Named(conv), conv, x));
            if (i < block.MainPath.Count - 1)
            {
                x = x with { Name = graph.Node("Relu", Join(path, $"relu{i + 1}"), [x.Name]) };
            }
        }

        Value identity = block.Shortcut is { } shortcut ? WriteChain(Join(path, "downsample"), shortcut, input) : input;
        string sum = graph.Node("Add", Join(path, "add"), [x.Name, identity.Name]);
        return x with { Name = graph.Node("Relu", Join(path, "relu"), [sum]) };
    }

    private Value WriteConv(string path, Conv2d conv, Value input)
    {
        if (conv.padding_type is not null || conv.padding_mode != PaddingModes.Zeros || conv.transposed)
        {
            throw new NotSupportedException($"ONNX export writes plain convolutions with explicit zero padding; '{path}' is not one.");
        }

        long[] kernel = conv.kernel_size, stride = conv.stride, padding = conv.padding!, dilation = conv.dilation;
        List<string> inputs = [input.Name, Weights(Join(path, "weight"), conv.weight!)];
        if (conv.bias is { } bias)
        {
            inputs.Add(Weights(Join(path, "bias"), bias));
        }

        string output = graph.Node("Conv", path, [.. inputs],
            OnnxGraph.Ints("kernel_shape", kernel),
            OnnxGraph.Ints("strides", stride),
            OnnxGraph.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxGraph.Ints("dilations", dilation),
            OnnxGraph.Int("group", conv.groups));
        long height = ((input.Shape[1] + (2 * padding[0]) - (dilation[0] * (kernel[0] - 1)) - 1) / stride[0]) + 1;
        long width = ((input.Shape[2] + (2 * padding[1]) - (dilation[1] * (kernel[1] - 1)) - 1) / stride[1]) + 1;
        return new Value(output, [conv.out_channels, height, width]);
    }

    private Value WriteBatchNorm(string path, BatchNorm2d bn, Value input)
    {
        if (bn.running_mean is null || bn.running_var is null)
        {
            throw new NotSupportedException($"ONNX export needs running statistics in batch norm '{path}'.");
        }

        long channels = bn.num_features;
        string scale = bn.weight is { } weight ? Weights(Join(path, "weight"), weight) : graph.Initializer(Join(path, "weight"), Filled(channels, 1f), channels);
        string shift = bn.bias is { } bias ? Weights(Join(path, "bias"), bias) : graph.Initializer(Join(path, "bias"), Filled(channels, 0f), channels);
        string output = graph.Node("BatchNormalization", path,
            [input.Name, scale, shift, Weights(Join(path, "running_mean"), bn.running_mean), Weights(Join(path, "running_var"), bn.running_var)],
            OnnxGraph.Float("epsilon", (float)bn.eps));
        return input with { Name = output };
    }

    /// <summary>
    /// LRN the fast way: the channel-window sum of squares as a 1×1 convolution with a banded weight (a GEMM), then
    /// <c>x / (k + α/n · Σ)^β</c> with β = 0.75 written as two square roots, not the slow <c>Pow</c> or <c>LRN</c> kernels.
    /// </summary>
    private Value WriteLrn(string path, LrnSpec spec, Value input)
    {
        long channels = input.Shape[0];
        float[] band = new float[channels * channels];
        for (long output = 0; output < channels; output++)
        {
            // Output channel c sums channels c - size/2 … c + (size - 1)/2, as nn.LocalResponseNorm pads.
            for (long source = Math.Max(0, output - (spec.Size / 2)); source <= Math.Min(channels - 1, output + ((spec.Size - 1) / 2)); source++)
            {
                band[(output * channels) + source] = (float)(spec.Alpha / spec.Size);
            }
        }

        string squares = graph.Node("Mul", Join(path, "square"), [input.Name, input.Name]);
        string window = graph.Node("Conv", Join(path, "window_sum"),
            [squares, graph.Initializer(Join(path, "band"), band, channels, channels, 1, 1), graph.Initializer(Join(path, "k"), Filled(channels, (float)spec.K), channels)],
            OnnxGraph.Ints("kernel_shape", 1, 1));
        string denominator;
        if (spec.Beta == 0.75)
        {
            string root = graph.Node("Sqrt", Join(path, "sqrt"), [window]);
            string fourthRoot = graph.Node("Sqrt", Join(path, "sqrt_sqrt"), [root]);
            denominator = graph.Node("Mul", Join(path, "pow"), [root, fourthRoot]);
        }
        else
        {
            denominator = graph.Node("Pow", Join(path, "pow"), [window, graph.Initializer(Join(path, "beta"), [(float)spec.Beta])]);
        }

        return input with { Name = graph.Node("Div", path, [input.Name, denominator]) };
    }

    /// <summary>A fixed per-channel scale and shift as a <c>Mul</c> and an <c>Add</c> with 1×C×1×1 constants.</summary>
    private Value WriteChannelAffine(string path, ChannelAffine affine, Value input)
    {
        long channels = affine.Scale.Count;
        string scale = graph.Initializer(Join(path, "scale"), [.. affine.Scale.Select(v => (float)v)], 1, channels, 1, 1);
        string shift = graph.Initializer(Join(path, "shift"), [.. affine.Shift.Select(v => (float)v)], 1, channels, 1, 1);
        return input with { Name = graph.Node("Add", path, [graph.Node("Mul", Join(path, "scaled"), [input.Name, scale]), shift]) };
    }

    private Value WriteLinear(string path, Linear linear, Value input)
    {
        string name = input.Name;
        long features = input.Shape.Aggregate(1L, (product, dim) => product * dim);
        if (input.Shape.Length > 1)
        {
            name = graph.Node("Flatten", Join(path, "flatten"), [name], OnnxGraph.Int("axis", 1));
        }

        if (features != linear.in_features)
        {
            throw new InvalidOperationException($"'{path}' expects {linear.in_features} features but the export reaches it with {features}.");
        }

        List<string> inputs = [name, Weights(Join(path, "weight"), linear.weight!)];
        if (linear.bias is { } bias)
        {
            inputs.Add(Weights(Join(path, "bias"), bias));
        }

        return new Value(graph.Node("Gemm", path, [.. inputs], OnnxGraph.Int("transB", 1)), [linear.out_features]);
    }

    /// <summary>A parameter or buffer as a float32 initializer, whatever its dtype, device and layout.</summary>
    private string Weights(string name, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        Tensor plain = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return graph.Initializer(name, plain.data<float>().ToArray(), plain.shape);
    }

    private static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : values;

    private static float[] Filled(long count, float value) => Enumerable.Repeat(value, (int)count).ToArray();

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
