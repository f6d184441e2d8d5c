using System.Reflection;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Zoo;
using Onnx;
using TorchSharp.Modules;

namespace ModelGallery.Tests.Onnx;

/// <summary>
/// What the export promises around the graph: the sizes it accepts (each side on its own, the minimum included), its
/// argument checks, the model file's metadata, and a model left as it was (mode, running statistics).
/// Written for the survivors of the ONNX writer's mutation run.
/// </summary>
public sealed class OnnxExportContractTests
{
    [Fact]
    public void An_adaptive_model_exports_at_its_minimum_and_refuses_either_side_below_it()
    {
        using var model = ModelZoo.Create("googlenet-torchvision");
        int min = model.Input.MinSize ?? throw new InvalidOperationException("googlenet-torchvision must accept other sizes");

        var proto = ModelProto.Parser.ParseFrom(model.ToOnnx(height: min, width: min));

        proto.Graph.Input.Single().Type.TensorType.Shape.Dim.Skip(2).Select(dim => dim.DimValue).Should().Equal(min, min);
        FluentActions.Invoking(() => model.ToOnnx(height: min - 1, width: 224)).Should().Throw<ArgumentException>().WithMessage($"*H, W ≥ {min}*cannot export at {min - 1}×224*");
        FluentActions.Invoking(() => model.ToOnnx(height: 224, width: min - 1)).Should().Throw<ArgumentException>().WithMessage($"*cannot export at 224×{min - 1}*");
    }

    [Fact]
    public void A_fixed_size_model_refuses_either_side_off_its_size()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => model.ToOnnx(height: 32, width: 28)).Should().Throw<ArgumentException>().WithMessage("*N×3×32×32*cannot export at 32×28*");
        FluentActions.Invoking(() => model.ToOnnx(height: 28, width: 32)).Should().Throw<ArgumentException>().WithMessage("*cannot export at 28×32*");
    }

    [Fact]
    public void Missing_arguments_are_refused_by_name()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => ((GalleryModel)null!).ToOnnx()).Should().Throw<ArgumentNullException>().WithParameterName("model");
        FluentActions.Invoking(() => model.ExportOnnx((Stream)null!)).Should().Throw<ArgumentNullException>().WithParameterName("stream");
        FluentActions.Invoking(() => model.ExportOnnx(string.Empty)).Should().Throw<ArgumentException>().WithParameterName("path");
    }

    [Fact]
    public void The_model_file_names_its_producer_version_and_interface()
    {
        using var model = new LeNet5();

        var proto = ModelProto.Parser.ParseFrom(model.ToOnnx());

        proto.ProducerName.Should().Be("ModelGallery");
        proto.ProducerVersion.Should().Be(typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion)
            .And.StartWith("0.1.0");
        proto.DocString.Should().Be($"{model.GetName()}, input input batch×3×32×32 float32, output logits batch×10 (logits, no softmax).");
    }

    [Fact]
    public void Exporting_a_training_model_leaves_its_mode_and_statistics_as_they_were()
    {
        using var model = ModelZoo.Create("resnet18");
        model.train();
        var norm = model.modules().OfType<BatchNorm2d>().First();
        float[] mean = norm.running_mean!.data<float>().ToArray();
        long tracked = norm.num_batches_tracked!.item<long>();

        byte[] first = model.ToOnnx(height: 64, width: 64);
        byte[] second = model.ToOnnx(height: 64, width: 64);

        model.training.Should().BeTrue("the export switches to eval mode for its trace and back");
        norm.running_mean!.data<float>().ToArray().Should().Equal(mean, "the trace must not update running statistics");
        norm.num_batches_tracked!.item<long>().Should().Be(tracked);
        second.Should().Equal(first, "exporting twice gives the same bytes");
    }
}
