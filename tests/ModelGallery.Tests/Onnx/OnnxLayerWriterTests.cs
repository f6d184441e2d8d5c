using ModelGallery.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

/// <summary>
/// The layer writer on the layer settings no gallery model uses but the vocabulary allows: non-square kernels,
/// strides and paddings, dilation, groups, ceil-mode windows (including the one PyTorch drops), average pools with and
/// without the padding counted, uneven adaptive pools, batch norm without affine parameters, layers without bias.
/// Each module is shallow and seeded, so its output depends on its input (checked first); it runs on a non-square
/// input in TorchSharp and in ONNX Runtime. Every stack ends in a linear layer, so a wrong output size is an error too.
/// </summary>
public sealed class OnnxLayerWriterTests
{
    /// <summary>Largest difference allowed, relative to the output's scale (float32 on both sides).</summary>
    private const double RelativeTolerance = 1e-5;

    public static TheoryData<string> Stacks => [.. StackCases.Keys];

    private static readonly Dictionary<string, (Func<nn.Module<Tensor, Tensor>> Build, long[] Sample)> StackCases = new()
    {
        // H: (9 + 2 − 2·2 − 1) / 2 + 1 = 4, W: 7 → 6 × 4 × 7 = 168 features.
        ["conv 3×1, stride 2×1, padding 1×0, dilation 2×1, 2 groups, no bias"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(4, 6, (3, 1), stride: (2, 1), padding: (1, 0), dilation: (2, 1), groups: 2, bias: false)),
            ("tanh", nn.Tanh()),
            ("fc", nn.Linear(168, 5, hasBias: false))), [4, 9, 7]),
        // H: ⌈(10 + 2 − 3) / 2⌉ + 1 = 6, W: 7 − 2 + 1 = 6.
        ["max pool 3×2, stride 2×1, padding 1×0, ceil mode"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.MaxPool2d((3, 2), stride: (2, 1), padding: (1, 0), ceil_mode: true)),
            ("sigmoid", nn.Sigmoid()),
            ("fc", nn.Linear(4 * 6 * 6, 5))), [3, 10, 7]),
        // H: ⌈(5 + 2 − 2) / 2⌉ + 1 = 4 windows, but the last starts at 6 ≥ 5 + 1 (in the right padding): PyTorch drops it → 3.
        // W: ⌈(6 + 2 − 2) / 2⌉ + 1 = 4, the last starts at 6 < 6 + 1: kept → 4.
        ["max pool 2, stride 2, padding 1, ceil mode dropping a window"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 1)),
            ("pool", nn.MaxPool2d(2, stride: 2, padding: 1, ceil_mode: true)),
            ("fc", nn.Linear(4 * 3 * 4, 5))), [3, 5, 6]),
        // Mixed: H as above (the last window dropped → 3); W: ⌈(6 + 2 − 3) / 2⌉ + 1 = 4, the last starts at 6 < 6 + 1:
        // kept, one more than without ceil mode → 4.
        ["max pool 2×3, stride 2, padding 1, ceil mode dropping a window on one axis only"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 1)),
            ("pool", nn.MaxPool2d((2, 3), stride: (2, 2), padding: (1, 1), ceil_mode: true)),
            ("fc", nn.Linear(4 * 3 * 4, 5))), [3, 5, 6]),
        // H: ⌈(9 + 2 − 3) / 2⌉ + 1 = 5; W: ⌈(6 + 2 − 3) / 2⌉ + 1 = 4, its last window reaching past the padding.
        ["average pool 3, stride 2, padding 1, ceil mode, padding counted"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: true)),
            ("fc", nn.Linear(4 * 5 * 4, 5))), [3, 9, 6]),
        // As the max pool above, averaged without the padding: H drops its last window (→ 3), W keeps it (→ 4).
        ["average pool 2×3, stride 2, padding 1, ceil mode dropping a window on one axis only"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 1)),
            ("pool", nn.AvgPool2d((2, 3), stride: (2, 2), padding: (1, 1), ceil_mode: true, count_include_pad: false)),
            ("fc", nn.Linear(4 * 3 * 4, 5))), [3, 5, 6]),
        // The defaults: stride = kernel, no padding. H: 9 / 2 = 4, W: 6 / 2 = 3.
        ["max pool 2 with defaults"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 1)),
            ("pool", nn.MaxPool2d(2)),
            ("fc", nn.Linear(4 * 4 * 3, 5))), [3, 9, 6]),
        // H: ⌈(9 + 2 − 3) / 2⌉ + 1 = 5, W: ⌈(6 + 2 − 3) / 2⌉ + 1 = 4 (the last window starts at 6 < 6 + 1).
        ["average pool 3, stride 2, padding 1, ceil mode, padding not counted"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.AvgPool2d(3, stride: 2, padding: 1, ceil_mode: true, count_include_pad: false)),
            ("fc", nn.Linear(4 * 5 * 4, 5))), [3, 9, 6]),
        // H: (9 + 2 − 3) / 2 + 1 = 5, W: (6 + 2 − 3) / 2 + 1 = 3.
        ["average pool 3, stride 2, padding 1, padding counted"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.AvgPool2d(3, stride: 2, padding: 1, count_include_pad: true)),
            ("fc", nn.Linear(4 * 5 * 3, 5))), [3, 9, 6]),
        ["adaptive average pool 7×9 to 3×5 (overlapping windows)"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.AdaptiveAvgPool2d((3, 5))),
            ("fc", nn.Linear(4 * 3 * 5, 5))), [3, 7, 9]),
        ["adaptive average pool to its input size"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, padding: 1)),
            ("pool", nn.AdaptiveAvgPool2d((7, 9))),
            ("fc", nn.Linear(4 * 7 * 9, 5))), [3, 7, 9]),
        ["batch norm without affine parameters"] = (() => nn.Sequential(
            ("conv", nn.Conv2d(3, 4, 3, bias: false)),
            ("bn", nn.BatchNorm2d(4, affine: false)),
            ("relu", nn.ReLU()),
            ("fc", nn.Linear(4 * 5 * 7, 5))), [3, 7, 9]),
    };

    [Theory]
    [MemberData(nameof(Stacks))]
    public void Layer_settings_no_gallery_model_uses_export_equal_to_TorchSharp_on_a_non_square_input(string stack)
    {
        var (build, sample) = StackCases[stack];
        using var module = build();
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        Randomise(module, generator);
        var input = randn([2, .. sample], generator: generator);
        var other = randn([2, .. sample], generator: generator);
        float[] expected = Run(module, input), moved = Run(module, other);
        double scale = expected.Max(Math.Abs);
        OnnxRuntimeCheck.MaxDifference(expected, moved).Should().BeGreaterThan((float)(100 * RelativeTolerance * scale), "the stack must depend on its input");

        byte[] onnx = OnnxRuntimeCheck.ExportModule(module, sample);

        OnnxRuntimeCheck.MaxDifference(OnnxRuntimeCheck.RunGraph(onnx, input), expected).Should().BeLessThan((float)(RelativeTolerance * scale));
    }

    [Fact]
    public void Adaptive_pooling_to_the_input_size_writes_no_node_and_other_sizes_two_products()
    {
        Nodes(nn.AdaptiveAvgPool2d((7, 9))).Should().Equal("Conv");
        Nodes(nn.AdaptiveAvgPool2d((3, 5))).Should().Equal("Conv", "MatMul", "MatMul");
        Nodes(nn.AdaptiveAvgPool2d(1)).Should().Equal("Conv", "GlobalAveragePool");
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "dilated max pool", "*max-pools without dilation*'pool' has dilation [2, 2]*" },
        { "max pool dilated along one axis", "*max-pools without dilation*'pool' has dilation [1, 2]*" },
        { "divisor override", "*no divisor override*'pool'*" },
        { "same padding", "*explicit zero padding*'conv' is not one*" },
        { "reflect padding", "*explicit zero padding*'conv' is not one*" },
        { "batch norm without running statistics", "*running statistics in batch norm 'bn'*" },
        { "average pool counting padding, dropping a ceil-mode window", "*ceil-mode average pool 'pool'*drops its last window*counts padding*" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Layer_settings_ONNX_cannot_express_are_refused_naming_the_layer(string setting, string message)
    {
        using nn.Module<Tensor, Tensor> module = setting switch
        {
            "dilated max pool" => nn.Sequential(("pool", nn.MaxPool2d(2, stride: 2, dilation: 2))),
            "max pool dilated along one axis" => nn.Sequential(("pool", nn.MaxPool2d((2, 2), stride: (2, 2), dilation: (1, 2)))),
            "divisor override" => nn.Sequential(("pool", nn.AvgPool2d(2, divisor_override: 3))),
            "same padding" => nn.Sequential(("conv", nn.Conv2d(3, 4, 3, padding: Padding.Same))),
            "reflect padding" => nn.Sequential(("conv", nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect))),
            "batch norm without running statistics" => nn.Sequential(("bn", nn.BatchNorm2d(3, track_running_stats: false))),
            // 8 + 2 − 2 = 8 → ⌈8 / 3⌉ + 1 = 4 windows, the last starting at 9 ≥ 8 + 1: dropped by PyTorch.
            "average pool counting padding, dropping a ceil-mode window" => nn.Sequential(("pool", nn.AvgPool2d(2, stride: 3, padding: 1, ceil_mode: true, count_include_pad: true))),
            _ => throw new ArgumentOutOfRangeException(nameof(setting)),
        };

        FluentActions.Invoking(() => OnnxRuntimeCheck.ExportModule(module, [3, 8, 8]))
            .Should().Throw<NotSupportedException>().WithMessage(message);
    }

    [Fact]
    public void A_linear_layer_reached_with_the_wrong_number_of_features_is_named()
    {
        using var module = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("fc", nn.Linear(10, 2)));

        FluentActions.Invoking(() => OnnxRuntimeCheck.ExportModule(module, [3, 5, 4]))
            .Should().Throw<InvalidOperationException>().WithMessage("'fc' expects 10 features but the export reaches it with 24.");
    }

    /// <summary>The stack in TorchSharp, flattening before the linear layer as the gallery's models do in their forward.</summary>
    private static float[] Run(nn.Module<Tensor, Tensor> module, Tensor input)
    {
        using var inference = inference_mode();
        Tensor x = input;
        foreach (var (_, child) in module.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)child).call(child is Linear ? x.flatten(1) : x);
        }

        return x.data<float>().ToArray();
    }

    /// <summary>He-scaled weights, small biases, random running statistics; eval mode.</summary>
    private static void Randomise(nn.Module module, Generator generator)
    {
        using (no_grad())
        {
            foreach (var (name, parameter) in module.named_parameters())
            {
                long fanIn = parameter.dim() > 1 ? parameter.numel() / parameter.shape[0] : 1;
                parameter.copy_(randn(parameter.shape, generator: generator) * (name.EndsWith("bias", StringComparison.Ordinal) ? 0.1 : Math.Sqrt(2.0 / fanIn)));
            }
        }

        OnnxRuntimeCheck.RandomiseBatchNormStatistics(module, generator);
        module.eval();
    }

    /// <summary>The operators written for a 1×1 convolution followed by <paramref name="pool"/> on a 4×7×9 sample.</summary>
    private static List<string> Nodes(nn.Module<Tensor, Tensor> pool)
    {
        using var module = nn.Sequential(("conv", nn.Conv2d(4, 4, 1)), ("pool", pool));
        return global::Onnx.ModelProto.Parser.ParseFrom(OnnxRuntimeCheck.ExportModule(module, [4, 7, 9])).Graph.Node.Select(node => node.OpType).ToList();
    }
}
