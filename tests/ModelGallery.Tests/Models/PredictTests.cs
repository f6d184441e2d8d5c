using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

public sealed class PredictTests
{
    [Fact]
    public void Predictions_are_softmax_probabilities_in_descending_order()
    {
        using var model = new LeNet5();
        using var scope = NewDisposeScope();
        var images = randn(3, 3, 32, 32);
        model.eval();
        var expected = model.call(images).softmax(1);

        var all = model.Predict(images, topK: 10);
        var top3 = model.Predict(images, topK: 3, labels: [.. Enumerable.Range(0, 10).Select(i => $"class {i}")]);

        all.Should().HaveCount(3);
        all.Should().OnlyContain(p => Math.Abs(p.Sum(x => x.Probability) - 1) < 1e-5);
        all.Should().OnlyContain(p => p.Select(x => x.Probability).SequenceEqual(p.Select(x => x.Probability).OrderByDescending(v => v)));
        top3[1][0].Probability.Should().BeApproximately(expected[1].max().item<float>(), 1e-6f);
        top3[1][0].ClassIndex.Should().Be((int)expected[1].argmax().item<long>());
        top3[1][0].Label.Should().Be($"class {top3[1][0].ClassIndex}");
        model.Predict(images)[0].Single().Label.Should().BeNull();
    }

    [Fact]
    public void Predict_restores_the_training_mode()
    {
        using var model = new GoogLeNet();
        using var scope = NewDisposeScope();
        model.train();

        model.Predict(randn(1, 3, 224, 224));

        model.training.Should().BeTrue();
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using var model = new LeNet5();
        using var scope = NewDisposeScope();
        var images = randn(1, 3, 32, 32);

        FluentActions.Invoking(() => model.Predict(images, topK: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 10*");
        FluentActions.Invoking(() => model.Predict(images, topK: 11)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 10*received 11*");
        FluentActions.Invoking(() => model.Predict(images, labels: ["a", "b"])).Should().Throw<ArgumentException>().WithMessage("*10 classes but 2 labels*");
        FluentActions.Invoking(() => model.Predict(randn(1, 1, 32, 32))).Should().Throw<ArgumentException>().WithMessage("*LeNet5 expects*");
    }
}
