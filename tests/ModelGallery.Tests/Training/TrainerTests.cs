using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Training;

public sealed class TrainerTests
{
    [Fact]
    public void A_short_run_on_real_data_beats_chance_and_the_loss_falls()
    {
        using var train = FashionMnist.Load(train: true);
        using var test = FashionMnist.Load(train: false);
        using var scope = NewDisposeScope();
        var preprocessing = LeNet5.FashionMnist.Preset;
        var inputs = preprocessing.Apply(train.Images.narrow(0, 0, 6000));
        var labels = train.Labels.narrow(0, 0, 6000);
        var testInputs = preprocessing.Apply(test.Images.narrow(0, 0, 2000));
        var testLabels = test.Labels.narrow(0, 0, 2000);
        manual_seed(7);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist with { Epochs = 2, Seed = 7 });

        var first = trainer.TrainEpoch(trainer.Batches(inputs, labels, 128));
        var second = trainer.TrainEpoch(trainer.Batches(inputs, labels, 128));

        second.TrainLoss.Should().BeLessThan(first.TrainLoss);
        (first.Steps, first.Images).Should().Be((47, 6000L), "6000 images in batches of 128, the last one of 112");
        Trainer.Evaluate(model, testInputs, testLabels).Top1.Should().BeGreaterThan(0.5, "chance is 0.1");
        model.training.Should().BeTrue("Evaluate restores the mode");
    }

    [Fact]
    public void Training_is_deterministic_for_a_seed()
    {
        using var scope = NewDisposeScope();
        var inputs = randn(256, 3, 32, 32);
        var labels = randint(0, 10, [256]);
        using var initial = new LeNet5();

        // The same starting weights (tests run in parallel, so the global generator is not ours to seed), then the
        // trainer's own seeded generator for shuffling and flips.
        double Run()
        {
            using var model = new LeNet5();
            model.load_state_dict(initial.state_dict());
            using var trainer = new Trainer(model, TrainingOptions.FashionMnist with { Epochs = 1, Seed = 3 });
            return trainer.TrainEpoch(trainer.Batches(inputs, labels, 128, horizontalFlip: true)).TrainLoss;
        }

        Run().Should().Be(Run());
    }
}
