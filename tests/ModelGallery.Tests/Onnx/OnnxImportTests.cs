using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using ModelGallery.Images;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Images;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

/// <summary>
/// ONNX weights imported by graph structure, proven on a real ImageNet-trained network: ML.NET's
/// <c>ResNet18.onnx</c> (NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.24.0, MIT; a CNTK export of
/// torchvision's <c>ResNet(BasicBlock, [2, 2, 2, 3])</c> without its classifier), run by ONNX Runtime on skimage's
/// photos after the package's own preprocessing (<c>ResNetPreprocess.onnx</c>: BGR, its mean image, 0–255).
/// </summary>
[Collection(nameof(LargeModels))]
public sealed class OnnxImportTests(ITestOutputHelper output) : TempFolder
{
    private static readonly string Models = typeof(OnnxImportTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "DnnImageModels").Value!;

    private static string ResNet18Onnx => Path.Combine(Models, "ResNet18Onnx", "ResNet18.onnx");

    private static string PreprocessOnnx => Path.Combine(Models, "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    [Fact]
    [Trait("Category", "Slow")]
    public void The_imported_real_resnet_gives_onnx_runtimes_features_on_real_photos()
    {
        using var model = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], numClasses: 1000);
        var report = OnnxImport.LoadWeights(model, ResNet18Onnx, LoadOptions.ExceptClassifier);
        model.eval();

        // 22 convolutions without bias, 22 batch norms of four tensors: the file's 110 initializers, each used once.
        report.Loaded.Should().HaveCount(22 + 22 * 4);
        report.Unexpected.Should().BeEmpty();
        report.Missing.Should().BeEmpty();
        report.Skipped.Should().Contain(["fc.weight", "fc.bias", "layer4.2.bn2.num_batches_tracked"]).And.HaveCount(2 + 22);

        using var preprocess = new InferenceSession(PreprocessOnnx);
        using var network = new InferenceSession(ResNet18Onnx);
        foreach (string photo in new[] { "chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg" })
        {
            using var scope = NewDisposeScope();
            Tensor rgb = nn.functional.interpolate(ImageFile.Read(Photos.Photo(photo)).to(ScalarType.Float32).unsqueeze(0),
                size: [224, 224], mode: InterpolationMode.Bilinear, align_corners: false).clamp(0, 255).contiguous();
            float[] input = Run(preprocess, "OriginalInput", rgb.data<float>().ToArray(), "PreprocessedInput");
            float[] expected = Run(network, "Input247", input, "Pooling395_Output_0");

            float[] actual = model.ForwardFeatures(tensor(input, [1, 3, 224, 224])).data<float>().ToArray();

            float scale = expected.Max(Math.Abs);
            output.WriteLine($"{photo}: largest |difference| {OnnxRuntimeCheck.MaxDifference(actual, expected):G3} against a feature scale of {scale:G4}");
            scale.Should().BeGreaterThan(0.1f, "features of a trained network on a photo");
            OnnxRuntimeCheck.MaxDifference(actual, expected).Should().BeLessThan(1e-4f * scale, "{0}: ONNX Runtime's features within 1e-4 of their scale", photo);
        }
    }

    [Fact]
    public void A_network_one_block_short_is_refused_naming_the_tensors_left_over_and_left_unchanged()
    {
        using var model = new ResNet(18, numClasses: 1000);
        var before = model.state_dict()["layer1.0.conv1.weight"].clone();

        var load = () => OnnxImport.LoadWeights(model, ResNet18Onnx, LoadOptions.ExceptClassifier);

        var thrown = load.Should().Throw<WeightsMismatchException>().Which;
        thrown.Report.Unexpected.Should().HaveCount(2 + 2 * 4, "layer4.2's two convolutions and two batch norms have no module");
        thrown.Message.Should().Contain("ResNet18.onnx").And.Contain("unexpected");
        TestTensors.Same(model.state_dict()["layer1.0.conv1.weight"], before).Should().BeTrue();
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused_as_a_weights_file()
    {
        string path = Path.Combine(Folder, "not.onnx");
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0x07, 0x01]);
        using var model = new ResNet(18);

        FluentActions.Invoking(() => OnnxImport.LoadWeights(model, path)).Should().Throw<WeightsFileException>().WithMessage("*not an ONNX model*");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("alexnet-torchvision")]
    [InlineData("googlenet-torchvision")]
    public void Exported_weights_renamed_and_shuffled_come_back_by_structure_alone(string name)
    {
        using var source = SensitiveModels.Create(name);
        var proto = ModelProto.Parser.ParseFrom(source.ToOnnx());
        var graph = proto.Graph;
        var opaque = graph.Initializer.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => $"t{graph.Initializer.Count - p.i}");
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                node.Input[i] = opaque.GetValueOrDefault(node.Input[i], node.Input[i]);
            }
        }

        var reversed = graph.Initializer.Reverse().ToList();
        reversed.ForEach(t => t.Name = opaque[t.Name]);
        graph.Initializer.Clear();
        graph.Initializer.AddRange(reversed);
        string path = Path.Combine(Folder, name + ".onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        using var target = ModelGallery.Zoo.ModelZoo.Create(name);

        var report = OnnxImport.LoadWeights(target, path);

        report.IsComplete.Should().BeTrue(report.ToString());
        var expected = source.state_dict();
        foreach (var (key, value) in target.state_dict().Where(entry => !entry.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
        {
            TestTensors.Same(value, expected[key]).Should().BeTrue(key);
        }
    }

    [Fact]
    public void A_convolution_with_another_stride_is_a_mismatch_though_every_shape_fits()
    {
        using var source = new ResNet(18);
        var proto = ModelProto.Parser.ParseFrom(source.ToOnnx());
        var strides = proto.Graph.Node.Single(node => node.Name == "layer2.0.conv1").Attribute.Single(a => a.Name == "strides");
        strides.Ints.Clear();
        strides.Ints.AddRange([1, 1]); // the stride on the wrong convolution of the block, as a file of another variant has it
        string path = Path.Combine(Folder, "moved-stride.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        using var target = new ResNet(18);

        var thrown = FluentActions.Invoking(() => OnnxImport.LoadWeights(target, path)).Should().Throw<WeightsMismatchException>().Which;

        thrown.Report.Mismatched.Should().ContainSingle().Which.Should().Be((
            "layer2.0.conv1.weight",
            "layer2.0.conv1: stride 2×2, dilation 1×1, groups 1",
            "layer2.0.conv1: stride 1×1, dilation 1×1, groups 1"));
        thrown.Report.Missing.Should().BeEmpty();
        thrown.Report.Unexpected.Should().BeEmpty();
    }

    private static float[] Run(InferenceSession session, string input, float[] values, string output)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(values, [1, 3, 224, 224]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [input], [value], [output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
