using Google.Protobuf;
using ModelGallery.Layers;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Models;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Zoo;
using Onnx;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

[Collection(nameof(LargeModels))]
public sealed class OnnxExportTests : TempFolder
{
    /// <summary>Every registered model, at batch 1 and 3.</summary>
    public static TheoryData<string, int, int> Variants
    {
        get
        {
            var data = new TheoryData<string, int, int>();
            foreach (string name in ModelZoo.Names)
            {
                data.Add(name, 1, 3);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_registered_model_runs_in_ONNX_Runtime_like_in_TorchSharp_at_two_batch_sizes(string name, int batch, int otherBatch)
    {
        using var model = SensitiveModels.Create(name, seed: 7);
        var (height, width) = FastPaths.NonSquare(model.Input);
        using var onnx = new OnnxClassifier(model.ToOnnx(height, width));
        var generator = new Generator(7);

        foreach (int n in new[] { batch, otherBatch })
        {
            using var scope = NewDisposeScope();
            var images = randn([n, model.Input.Channels, height, width], generator: generator);
            double scale = SensitiveModels.Check(model, images, randn(images.shape, generator: generator), RelativeTolerance);
            float[] expected = OnnxRuntimeCheck.TorchLogits(model, images);

            float[] actual = onnx.Run(images.data<float>().ToArray(), images.shape);

            (OnnxRuntimeCheck.MaxDifference(actual, expected) / scale).Should().BeLessThan(RelativeTolerance, $"{name} at batch {n}, {height}×{width}");
        }
    }

    /// <summary>ONNX Runtime's float32 kernels against libtorch's, relative to the logit scale of an input-sensitive model.</summary>
    private const double RelativeTolerance = 1e-4;

    [Fact]
    public void GoogLeNet_with_aux_heads_and_transform_input_exports_its_main_path()
    {
        using var model = new GoogLeNet(numClasses: 5, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true, transformInput: true);
        var generator = new Generator(11);
        OnnxRuntimeCheck.RandomiseBatchNormStatistics(model, generator);
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn([2, 3, 224, 224], generator: generator);

        byte[] bytes = model.ToOnnx();
        using var onnx = new OnnxClassifier(bytes);

        OnnxRuntimeCheck.MaxDifference(onnx.Run(images.data<float>().ToArray(), images.shape), OnnxRuntimeCheck.TorchLogits(model, images))
            .Should().BeLessThan(OnnxRuntimeCheck.Tolerance);
        ModelProto.Parser.ParseFrom(bytes).Graph.Node.Should().NotContain(node => node.Name.StartsWith("aux", StringComparison.Ordinal));
    }

    [Fact]
    public void Adaptive_models_export_at_another_input_size()
    {
        using var model = new Vgg16(numClasses: 3);
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn(2, 3, 64, 64);

        using var onnx = new OnnxClassifier(model.ToOnnx(height: 64, width: 64));

        onnx.Input.Should().Be(new InputShape(3, 64, 64));
        OnnxRuntimeCheck.MaxDifference(onnx.Run(images.data<float>().ToArray(), images.shape), OnnxRuntimeCheck.TorchLogits(model, images))
            .Should().BeLessThan(OnnxRuntimeCheck.Tolerance);
        FluentActions.Invoking(() => new LeNet5().ToOnnx(height: 64, width: 64))
            .Should().Throw<ArgumentException>().WithMessage("*LeNet5 accepts inputs of shape N×3×32×32*64×64*");
    }

    [Fact]
    public void The_graph_declares_opset_17_a_symbolic_batch_and_a_lean_LRN()
    {
        using var model = new GoogLeNet();

        var proto = ModelProto.Parser.ParseFrom(model.ToOnnx());

        proto.OpsetImport.Should().ContainSingle(opset => opset.Domain == string.Empty && opset.Version >= 13);
        var input = proto.Graph.Input.Single();
        input.Name.Should().Be("input");
        input.Type.TensorType.Shape.Dim.Select(dim => dim.DimParam.Length > 0 ? dim.DimParam : dim.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Should().Equal("batch", "3", "224", "224");
        proto.Graph.Output.Single().Type.TensorType.Shape.Dim.Select(dim => dim.DimParam.Length > 0 ? dim.DimParam : dim.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Should().Equal("batch", "2");
        proto.Graph.Node.Select(node => node.OpType).Should().NotContain(["LRN", "Pow", "Dropout"]);
        proto.Graph.Node.Count(node => node.OpType == "Concat").Should().Be(9, "one per Inception module");
        // Every weight of the model is in the graph once (the LRN bands and k are the export's own constants).
        long exported = proto.Graph.Initializer.Where(tensor => !tensor.Name.Contains("lrn", StringComparison.Ordinal)).Sum(tensor => tensor.Dims.Aggregate(1L, (a, b) => a * b));
        exported.Should().Be(model.parameters().Sum(p => p.numel()));
    }

    [Theory]
    [InlineData(5, 1e-4, 0.75, 1.0)]
    [InlineData(3, 2e-3, 0.6, 1.5)]
    public void LRN_is_exported_equal_to_nn_LocalResponseNorm(int size, double alpha, double beta, double k)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var input = randn([2, 16, 5, 5], generator: generator) * 20; // large enough that the normalisation matters
        using var reference = nn.LocalResponseNorm(size, alpha, beta, k);
        float[] expected = reference.call(input).data<float>().ToArray();

        byte[] onnx = OnnxRuntimeCheck.ExportModule(new FastLocalResponseNorm(new LrnSpec(size, alpha, beta, k)), [16, 5, 5]);

        OnnxRuntimeCheck.MaxDifference(OnnxRuntimeCheck.RunGraph(onnx, input), expected).Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void An_unknown_module_is_refused_by_name()
    {
        using var module = nn.Sequential(("conv", nn.Conv2d(3, 4, 3)), ("gelu", nn.GELU()));

        FluentActions.Invoking(() => OnnxRuntimeCheck.ExportModule(module, [3, 8, 8]))
            .Should().Throw<NotSupportedException>().WithMessage("*'gelu'*GELU*");
    }

    [Fact]
    public void Exporting_to_a_file_is_atomic()
    {
        string path = Path.Combine(Folder, "model.onnx");
        File.WriteAllText(path, "previous");
        using var model = new LeNet5();

        FluentActions.Invoking(() => model.ExportOnnx(path, height: 28)).Should().Throw<ArgumentException>().WithMessage("*28*");
        File.ReadAllText(path).Should().Be("previous");
        Directory.GetFiles(Folder).Should().ContainSingle();

        model.ExportOnnx(path);
        using var onnx = new OnnxClassifier(path);
        onnx.NumClasses.Should().Be(10);
        Directory.GetFiles(Folder).Should().ContainSingle();
    }

    [Fact]
    public void A_stream_export_equals_the_in_memory_one()
    {
        using var model = new LeNet5();
        using var stream = new MemoryStream();

        model.ExportOnnx(stream);

        stream.ToArray().Should().Equal(model.ToOnnx());
    }
}
