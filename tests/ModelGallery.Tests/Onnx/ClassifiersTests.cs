using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Sensitivity;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

/// <summary>One typed way to classify: the eager model and ONNX Runtime behind <see cref="IImageClassifier"/>, and the measured choice between them.</summary>
[Collection(nameof(LargeModels))]
public sealed class ClassifiersTests
{
    [Theory]
    [InlineData("lenet5")]
    [InlineData("googlenet-torchvision")]
    public void Both_engines_give_the_same_predictions_on_an_input_sensitive_model(string name)
    {
        using var model = SensitiveModels.Create(name);
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var shape = new long[] { 3, model.Input.Channels, model.Input.Height, model.Input.Width };
        Tensor images = randn(shape, generator: generator);
        SensitiveModels.Check(model, images[0].unsqueeze(0), images[1].unsqueeze(0), relativeTolerance: 1e-4);
        string[] labels = [.. Enumerable.Range(0, model.NumClasses).Select(i => $"class {i}")];

        using IImageClassifier eager = Classifiers.Create(model, ClassifierEngine.Eager);
        using IImageClassifier onnx = Classifiers.Create(model, ClassifierEngine.OnnxRuntime, threads: 1);
        int topK = Math.Min(3, model.NumClasses);
        var expected = eager.Predict(images, topK, labels);
        var actual = onnx.Predict(images, topK, labels);

        eager.Engine.Should().Be("TorchSharp (eager)");
        onnx.Engine.Should().Be("ONNX Runtime");
        onnx.Input.Should().Be(model.Input with { MinSize = null }, "the export is made at the model's table size");
        onnx.NumClasses.Should().Be(model.NumClasses);
        actual.Should().HaveCount(3);
        for (int image = 0; image < 3; image++)
        {
            actual[image].Should().HaveCount(topK);
            actual[image].Select(p => p.Label).Should().Equal(expected[image].Select(p => p.Label), $"image {image}");
            actual[image].Zip(expected[image], (a, e) => Math.Abs(a.Probability - e.Probability)).Should().OnlyContain(d => d < 1e-4f);
        }

    }

    [Fact]
    public void The_measured_choice_is_the_engine_with_the_lowest_median_and_the_model_is_left_as_it_was()
    {
        using var model = new LeNet5();
        model.train();

        using var choice = Classifiers.Fastest(model, batch: 4, calls: 5, threads: 1);

        choice.Timings.Select(t => t.Engine).Should().BeEquivalentTo([ClassifierEngine.Eager, ClassifierEngine.OnnxRuntime]);
        choice.Timings.Should().OnlyContain(t => t.MedianMilliseconds > 0 && double.IsFinite(t.MedianMilliseconds));
        choice.Timings.Select(t => t.MedianMilliseconds).Should().BeInAscendingOrder();
        choice.Classifier.Engine.Should().Be(choice.Timings[0].Description);
        model.training.Should().BeTrue("measuring must not change the caller's model");
        model.ChannelsLast.Should().BeFalse();

        using var scope = NewDisposeScope();
        choice.Classifier.Predict(rand(2, 3, 32, 32)).Should().HaveCount(2);
    }

    [Fact]
    public void The_eager_classifier_follows_the_model_and_leaves_it_alive()
    {
        using var model = SensitiveModels.Create("lenet5");
        using var scope = NewDisposeScope();
        Tensor image = randn(1, 3, 32, 32);
        var classifier = new EagerClassifier(model);
        float before = classifier.Predict(image)[0][0].Probability;

        using (no_grad())
        {
            model.Classifier.bias!.add_(tensor(Enumerable.Range(0, 10).Select(i => i == 3 ? 50f : 0f).ToArray()));
        }

        classifier.Predict(image)[0][0].ClassIndex.Should().Be(3, "the eager engine computes with the model's current weights");
        classifier.Dispose();
        model.Predict(image).Should().HaveCount(1, "disposing the classifier leaves the model alive");
        before.Should().BeInRange(0.1f, 1f);
    }

    [Fact]
    public void Bad_arguments_name_what_was_expected_and_what_arrived()
    {
        using var model = new LeNet5();
        using var onnx = Classifiers.Create(model, ClassifierEngine.OnnxRuntime);
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => Classifiers.Fastest(model, batch: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 1,024 images; received 0*");
        FluentActions.Invoking(() => Classifiers.Fastest(model, calls: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 10,000 timed calls; received 0*");
        FluentActions.Invoking(() => Classifiers.Create(model, ClassifierEngine.OnnxRuntime, threads: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least 1 thread; received 0*");
        FluentActions.Invoking(() => Classifiers.Create(model, (ClassifierEngine)7)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Eager or OnnxRuntime; received 7*");
        FluentActions.Invoking(() => onnx.Predict(rand(1, 3, 32, 32, dtype: ScalarType.Float64))).Should().Throw<ArgumentException>().WithMessage("*float32 images on the CPU; received Float64*");
        FluentActions.Invoking(() => onnx.Predict(rand(1, 3, 28, 32))).Should().Throw<ArgumentException>().WithMessage("*N×3×32×32*");

        model.Dispose();
        FluentActions.Invoking(() => Classifiers.Fastest(model)).Should().Throw<ObjectDisposedException>();
    }
}
