using ModelGallery.Inspection;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Training;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

public sealed class DisposedModelTests : TempFolder
{
    [Fact]
    public void Every_entry_point_of_a_disposed_model_throws_ObjectDisposedException_and_writes_nothing()
    {
        string good = Path.Combine(Folder, "good.safetensors");
        var model = new LeNet5();
        model.SaveWeights(good);
        byte[] before = File.ReadAllBytes(good);
        model.Dispose();
        using var scope = NewDisposeScope();
        var images = zeros(1, 3, 32, 32);
        var labels = zeros(new long[] { 1 }, ScalarType.Int64);

        var entryPoints = new Dictionary<string, Action>
        {
            ["forward"] = () => model.forward(images),
            ["call"] = () => model.call(images),
            ["Predict"] = () => model.Predict(images),
            ["SaveWeights"] = () => model.SaveWeights(good),
            ["LoadWeights"] = () => model.LoadWeights(good),
            ["train"] = () => model.train(),
            ["eval"] = model.eval,
            ["UseChannelsLast"] = () => model.UseChannelsLast(),
            ["UseBFloat16"] = () => model.UseBFloat16(),
            ["ModelSummary.Create"] = () => ModelSummary.Create(model),
            ["ToOnnx"] = () => model.ToOnnx(),
            ["ExportOnnx"] = () => model.ExportOnnx(Path.Combine(Folder, "lenet5.onnx")),
            ["Trainer.Evaluate"] = () => Trainer.Evaluate(model, images, labels),
            ["Trainer"] = () => new Trainer(model, new TrainingOptions()).Dispose(),
        };

        foreach (var (name, call) in entryPoints)
        {
            FluentActions.Invoking(call).Should().Throw<ObjectDisposedException>(name).Which.ObjectName.Should().Be("LeNet5", name);
        }

        File.ReadAllBytes(good).Should().Equal(before, "the good weights were not overwritten");
        File.Exists(Path.Combine(Folder, "lenet5.onnx")).Should().BeFalse();
        FluentActions.Invoking(model.Dispose).Should().NotThrow("disposing twice is allowed");
    }

    [Fact]
    public void Disposing_a_model_another_thread_is_using_is_refused_and_the_model_keeps_working()
    {
        using var model = new LeNet5();
        model.eval();
        using (new BlockedPrediction(model))
        {
            FluentActions.Invoking(model.Dispose).Should().Throw<InvalidOperationException>().WithMessage("LeNet5 is busy: Dispose cannot start while inference on 1 other thread(s)*");
        }

        using var scope = NewDisposeScope();
        model.Predict(zeros(1, 3, 32, 32)).Should().HaveCount(1);
    }
}
