using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Onnx;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Cli;

public sealed class ExportCommandTests : TempFolder
{
    [Fact]
    public void Export_writes_a_model_that_runs_in_ONNX_Runtime_with_the_given_weights()
    {
        using var model = new LeNet5(numClasses: 4);

        var (exit, output, onnx) = ExportLeNet5WithWeightsOf(model, classes: 4);

        exit.Should().Be(0, output);
        output.Should().Contain("lenet5.onnx").And.Contain("batch×3×32×32").And.Contain("batch×4");
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn(3, 3, 32, 32);
        using var classifier = new OnnxClassifier(onnx);
        OnnxRuntimeCheck.MaxDifference(classifier.Run(images.data<float>().ToArray(), images.shape), OnnxRuntimeCheck.TorchLogits(model, images))
            .Should().BeLessThan(OnnxRuntimeCheck.Tolerance, "the file carries the weights that were loaded");
    }

    [Fact]
    public void Weights_that_do_not_fit_fail_without_writing_a_file()
    {
        using var model = new LeNet5(numClasses: 10);

        var (exit, output, onnx) = ExportLeNet5WithWeightsOf(model, classes: 4);

        exit.Should().Be(2);
        output.Should().Contain("fc3");
        File.Exists(onnx).Should().BeFalse();
        CliRunner.Run("export", "densenet121", "--output", onnx).Exit.Should().Be(1);
        CliRunner.Run("export", "lenet5").Exit.Should().Be(1, "--output is required");
    }

    /// <summary>Saves <paramref name="model"/>'s weights and runs <c>gallery export lenet5</c> with them.</summary>
    private (int Exit, string Output, string Onnx) ExportLeNet5WithWeightsOf(LeNet5 model, int classes)
    {
        string weights = Path.Combine(Folder, "lenet5.safetensors");
        model.SaveWeights(weights);
        string onnx = Path.Combine(Folder, "lenet5.onnx");
        var (exit, output) = CliRunner.Run("export", "lenet5", "--classes", classes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--weights", weights, "--output", onnx);
        return (exit, output, onnx);
    }
}
