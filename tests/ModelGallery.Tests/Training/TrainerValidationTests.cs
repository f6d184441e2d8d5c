using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Training;

/// <summary>What the trainer refuses up front, and how it stops when a run diverges.</summary>
public sealed class TrainerValidationTests
{
    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1)]
    [InlineData(0)]
    public void A_learning_rate_that_is_not_a_finite_number_above_zero_is_refused(double rate)
    {
        using var model = new LeNet5();

        var refused = FluentActions.Invoking(() => new Trainer(model, TrainingOptions.FashionMnist with { LearningRate = rate }))
            .Should().Throw<ArgumentOutOfRangeException>().Which;

        refused.ParamName.Should().Be("options.LearningRate");
        refused.Message.Should().Contain("finite number above 0").And.Contain($"received {rate}");
    }

    public static TheoryData<string, Func<Tensor>, string> BadLabels => new()
    {
        { "a class past the last", () => tensor(new long[] { 0, 10, 3, 4 }), "labels must lie in 0 to 9; received labels from 0 to 10" },
        { "a negative class", () => tensor(new long[] { 0, -1, 3, 4 }), "labels must lie in 0 to 9; received labels from -1 to 4" },
        { "fewer labels than images", () => tensor(new long[] { 0, 1, 2 }), "needs one int64 class index per image: 4 labels of shape [4], but received Int64 [3]" },
        { "float labels", () => tensor(new float[] { 0, 1, 2, 3 }), "but received Float32 [4]" },
        { "one-hot labels", () => zeros(4, 10, dtype: ScalarType.Int64), "but received Int64 [4, 10]" },
    };

    [Theory]
    [MemberData(nameof(BadLabels))]
    public void Labels_that_do_not_fit_are_refused_before_any_step_and_the_model_is_unchanged(string why, Func<Tensor> labels, string message)
    {
        using var model = new LeNet5();
        var before = model.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist);
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 32, 32);

        FluentActions.Invoking(() => trainer.TrainEpoch(trainer.Batches(images, labels(), 2))).Should().Throw<ArgumentException>(why)
            .Which.Message.Should().Contain(message);
        FluentActions.Invoking(() => Trainer.Evaluate(model, images, labels())).Should().Throw<ArgumentException>(why)
            .Which.Message.Should().Contain(message);

        model.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, before[e.Key]).Should().BeTrue(e.Key));
    }

    [Fact]
    public void Evaluating_an_empty_set_is_refused_instead_of_returning_NaN()
    {
        using var model = new LeNet5();
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => Trainer.Evaluate(model, zeros(0, 3, 32, 32), zeros(new long[] { 0 }, ScalarType.Int64)))
            .Should().Throw<ArgumentException>().WithMessage("*received [0, 3, 32, 32]: an empty batch*");
    }

    [Fact]
    public void A_first_step_with_a_non_finite_loss_stops_at_epoch_1_step_1_and_leaves_the_weights_alone()
    {
        using var model = new LeNet5();
        var before = model.state_dict().ToDictionary(e => e.Key, e => e.Value.clone());
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist);
        using var scope = NewDisposeScope();
        var images = randn(8, 3, 32, 32);
        images[0, 0, 0, 0] = tensor(float.NaN); // the first shuffled batch holds it or the second does
        var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });

        var diverged = FluentActions.Invoking(() => trainer.TrainEpoch(trainer.Batches(images, labels, 4))).Should().Throw<TrainingDivergedException>().Which;

        diverged.Epoch.Should().Be(1);
        diverged.Step.Should().BeInRange(1, 2);
        double.IsFinite(diverged.Loss).Should().BeFalse();
        diverged.Message.Should().Contain($"epoch 1, step {diverged.Step}").And.Contain("keeps the weights of the last finite step");
        if (diverged.Step == 1)
        {
            model.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, before[e.Key]).Should().BeTrue(e.Key));
        }

        model.parameters().Should().AllSatisfy(p => p.isfinite().all().item<bool>().Should().BeTrue());
    }

    [Fact]
    public void A_learning_rate_that_blows_the_weights_up_stops_with_finite_weights_kept()
    {
        manual_seed(5);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist with { LearningRate = 1e30 });
        using var scope = NewDisposeScope();
        var images = randn(64, 3, 32, 32);
        var labels = randint(0, 10, [64]);

        var diverged = FluentActions.Invoking(() => trainer.TrainEpoch(trainer.Batches(images, labels, 16))).Should().Throw<TrainingDivergedException>().Which;

        diverged.Epoch.Should().Be(1);
        diverged.Step.Should().BeGreaterThan(1, "the first step is finite; its huge update makes a later loss non-finite");
        model.parameters().Should().AllSatisfy(p => p.isfinite().all().item<bool>().Should().BeTrue("the step that failed was not applied"));
    }
}
