using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The learning rate per epoch against each schedule's closed form (torchvision's reference: one change per epoch).</summary>
public sealed class TrainerScheduleTests
{
    public static TheoryData<string, LearningRateSchedule, int, double[]> Schedules => new()
    {
        // lr 0.1, 6 epochs
        { "constant", LearningRateSchedule.Constant, 0, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1] },
        { "step 2 × 0.5", LearningRateSchedule.StepDecay(stepEpochs: 2, gamma: 0.5), 0, [0.1, 0.1, 0.05, 0.05, 0.025, 0.025] },
        { "cosine", LearningRateSchedule.Cosine, 0, [.. Enumerable.Range(0, 6).Select(e => 0.1 * (1 + Math.Cos(Math.PI * e / 6)) / 2)] },
        // warm-up from 0.01·lr over 2 epochs (0.001, then 0.001 + 0.099·1/2), then the cosine over the 4 epochs left
        { "warm-up 2 + cosine", LearningRateSchedule.Cosine, 2, [0.001, 0.0505, .. Enumerable.Range(0, 4).Select(e => 0.1 * (1 + Math.Cos(Math.PI * e / 4)) / 2)] },
        { "warm-up 1 + step", LearningRateSchedule.StepDecay(stepEpochs: 3, gamma: 0.1), 1, [0.001, 0.1, 0.1, 0.1, 0.01, 0.01] },
    };

    [Theory]
    [MemberData(nameof(Schedules))]
    public void The_rate_of_each_epoch_is_the_closed_form(string why, LearningRateSchedule schedule, int warmup, double[] expected)
    {
        using var scope = NewDisposeScope();
        var batch = (randn(2, 3, 32, 32), tensor(new long[] { 0, 1 }));
        using var model = new LeNet5();
        using var trainer = new Trainer(model, new TrainingOptions { LearningRate = 0.1, Schedule = schedule, WarmupEpochs = warmup, Epochs = 6 });
        var seen = new List<double>();

        var rates = Enumerable.Range(0, 6).Select(_ => trainer.TrainEpoch([batch], new Reports<TrainingProgress>(p => seen.Add(p.LearningRate))).LearningRate).ToList();

        rates.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-12, why);
        seen.Should().Equal(expected, (a, b) => Math.Abs(a - b) < 1e-12, "every step of an epoch runs at the epoch's rate");
    }

    [Fact]
    public void The_optimizer_really_steps_at_the_scheduled_rate()
    {
        using var scope = NewDisposeScope();
        var (x, y) = (randn(4, 3, 32, 32), tensor(new long[] { 0, 1, 2, 3 }));
        using var model = new LeNet5();
        var options = new TrainingOptions
        {
            Optimizer = TrainingOptimizer.Sgd(momentum: 0, weightDecay: 0), LearningRate = 0.2, Schedule = LearningRateSchedule.Cosine, Epochs = 3,
            Freeze = Freeze.Backbone,
        };
        using var trainer = new Trainer(model, options);
        trainer.TrainEpoch([(x, y)]);
        using var reference = TrainerTestSupport.CopyOf(model);
        var before = model.Classifier.weight!.to(ScalarType.Float64);

        trainer.TrainEpoch([(x, y)]);

        double rate = 0.2 * (1 + Math.Cos(Math.PI / 3)) / 2;
        var expected = before - (rate * TrainerTestSupport.Gradients(reference, x, y)["fc3.weight"]);
        (model.Classifier.weight!.to(ScalarType.Float64) - expected).abs().max().item<double>().Should().BeLessThan(1e-6);
    }
}
