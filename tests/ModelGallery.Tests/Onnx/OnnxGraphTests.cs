using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Sensitivity;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

/// <summary>
/// What a reader of the exported file sees besides the numbers: every weight under its state-dict key (as PyTorch's
/// exporter and Netron show them), nodes named after the modules that produce them, unique names, a lean graph; and
/// the graph builder's own rules (unique names, initializers that fill their shape), the export's busy message and the
/// dtypes a model may be in when it is exported.
/// </summary>
[Collection(nameof(LargeModels))]
public sealed class OnnxGraphTests
{
    [Theory]
    [InlineData("lenet5")]
    [InlineData("googlenet")]
    [InlineData("googlenet-torchvision")]
    [InlineData("resnet18")]
    public void Every_weight_and_running_statistic_is_an_initializer_under_its_state_dict_key_with_its_values(string name)
    {
        using var model = SensitiveModels.Create(name);

        var graph = ModelProto.Parser.ParseFrom(model.ToOnnx()).Graph;

        var initializers = graph.Initializer.ToDictionary(tensor => tensor.Name);
        foreach (var (key, tensor) in model.state_dict().Where(entry => !entry.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
        {
            initializers.Should().ContainKey(key);
            initializers[key].Dims.Should().Equal(tensor.shape, key);
            float[] written = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(initializers[key].RawData.Span).ToArray();
            written.Should().Equal(tensor.to(ScalarType.Float32).contiguous().data<float>().ToArray(), key);
        }

        graph.Node.Select(node => node.Name).Should().OnlyHaveUniqueItems();
        graph.Initializer.Select(tensor => tensor.Name).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void A_residual_block_is_written_as_torchvision_names_its_steps()
    {
        using var model = new ResNet(18);

        var nodes = ModelProto.Parser.ParseFrom(model.ToOnnx()).Graph.Node.Where(node => node.Name.StartsWith("layer2.0.", StringComparison.Ordinal));

        // torchvision's BasicBlock: conv1, bn1, relu, conv2, bn2, downsample (1×1 conv, bn) on the shortcut, the sum, relu.
        nodes.Select(node => (node.OpType, node.Name)).Should().Equal(
            ("Conv", "layer2.0.conv1"), ("BatchNormalization", "layer2.0.bn1"), ("Relu", "layer2.0.relu1"),
            ("Conv", "layer2.0.conv2"), ("BatchNormalization", "layer2.0.bn2"),
            ("Conv", "layer2.0.downsample.0"), ("BatchNormalization", "layer2.0.downsample.1"),
            ("Add", "layer2.0.add"), ("Relu", "layer2.0.relu"));
        nodes.Single(node => node.Name == "layer2.0.add").Input.Should().Equal("layer2.0.bn2", "layer2.0.downsample.1");
    }

    [Fact]
    public void An_inception_block_concatenates_its_four_branches_and_transform_input_is_a_scale_and_a_shift()
    {
        using var model = new GoogLeNet(variant: GoogLeNetVariant.Torchvision, transformInput: true);

        var nodes = ModelProto.Parser.ParseFrom(model.ToOnnx()).Graph.Node;

        nodes.Take(2).Select(node => (node.OpType, node.Name)).Should().Equal(("Mul", "transform_input.scaled"), ("Add", "transform_input"));
        nodes[0].Input.Should().Equal("input", "transform_input.scale");
        nodes[1].Input.Should().Equal("transform_input.scaled", "transform_input.shift");
        var concat = nodes.Single(node => node.Name == "inception3a.concat");
        concat.OpType.Should().Be("Concat");
        concat.Input.Should().HaveCount(4).And.OnlyContain(input => input.StartsWith("inception3a.branch", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_is_flattened_once_before_its_first_linear_layer()
    {
        using var model = new LeNet5();

        var nodes = ModelProto.Parser.ParseFrom(model.ToOnnx()).Graph.Node;

        // C5's 16×5×5 maps are flattened for F6 (fc1); fc2 and fc3 already receive vectors.
        nodes.Where(node => node.OpType == "Flatten").Select(node => node.Name).Should().Equal("fc1.flatten");
        nodes.Where(node => node.OpType == "Gemm").Select(node => node.Name).Should().Equal("fc1", "fc2", "fc3");
    }

    [Fact]
    public void Repeated_names_are_numbered_and_an_initializer_must_fill_its_shape()
    {
        var graph = new OnnxGraph("g");

        graph.Node("Relu", "a", ["x"]).Should().Be("a");
        graph.Node("Relu", "a", ["a"]).Should().Be("a_1");
        graph.Initializer("a", [1f], 1).Should().Be("a_2");
        graph.Node("Relu", "b", ["a_1"]).Should().Be("b");
        FluentActions.Invoking(() => graph.Initializer("w", [1f, 2f, 3f], 2, 2))
            .Should().Throw<ArgumentException>().WithMessage("Initializer 'w': 3 values do not fill the shape [2, 2].*");
    }

    [Fact]
    public async Task An_export_while_another_thread_changes_the_model_is_refused_as_busy()
    {
        using var model = new LeNet5();
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = Task.Run(() =>
        {
            using var lease = model.Usage.EnterExclusive("weights loading");
            held.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        held.Wait(TimeSpan.FromSeconds(30)).Should().BeTrue();

        try
        {
            FluentActions.Invoking(() => model.ToOnnx()).Should().Throw<InvalidOperationException>()
                .WithMessage("*busy: ONNX export cannot start while weights loading is running*");
        }
        finally
        {
            release.Set();
            await holder.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Float64_and_bfloat16_models_export_a_float32_graph_of_their_weights()
    {
        using var reference = SensitiveModels.Create("lenet5");
        using var wide = SensitiveModels.Create("lenet5");
        using var narrow = SensitiveModels.Create("lenet5");
        wide.to(ScalarType.Float64);
        narrow.UseBFloat16();

        byte[] float32 = reference.ToOnnx();

        wide.ToOnnx().Should().Equal(float32, "float64 weights that came from float32 convert back exactly");
        var narrowGraph = ModelProto.Parser.ParseFrom(narrow.ToOnnx()).Graph;
        narrowGraph.Initializer.Should().OnlyContain(tensor => tensor.DataType == (int)TensorProto.Types.DataType.Float);
        narrowGraph.Initializer.Select(tensor => tensor.Name).Should().Equal(ModelProto.Parser.ParseFrom(float32).Graph.Initializer.Select(tensor => tensor.Name));
    }
}
