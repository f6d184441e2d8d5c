using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Weights;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Checkpoints, resume, cancellation and divergence on LeNet-5 with 320 Fashion-MNIST images.</summary>
public sealed class CheckpointResumeTests : TempFolder
{
    public static TheoryData<string, TrainingOptions> Recipes => new()
    {
        { "SGD, Nesterov, warm-up + cosine", new TrainingOptions { Optimizer = TrainingOptimizer.Sgd(0.9, nesterov: true), LearningRate = 0.05, WarmupEpochs = 1, Schedule = LearningRateSchedule.Cosine, Epochs = 3, Seed = 11 } },
        { "AdamW, smoothing, clipping, lower backbone rate", new TrainingOptions { Optimizer = TrainingOptimizer.AdamW(), LearningRate = 0.003, LabelSmoothing = 0.1, MaxGradientNorm = 1, Freeze = Freeze.BackboneWithLowerLr(0.5), Epochs = 3, Seed = 12 } },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public void A_run_cancelled_mid_epoch_and_resumed_ends_with_the_same_bits_as_an_uninterrupted_one(string why, TrainingOptions options)
    {
        var (images, labels) = Fashion;
        using var initial = new LeNet5();
        string checkpoint = Path.Combine(Folder, "run.ckpt");

        Dictionary<string, Tensor> uninterrupted;
        EpochResult[] history;
        using (var model = CopyOf(initial))
        using (var trainer = new Trainer(model, options))
        {
            trainer.Run(Shuffled(images, labels, 32, trainer.Shuffling)).Should().OnlyContain(e => e.Completed);
            uninterrupted = Snapshot(model);
            history = [.. trainer.History];
        }

        using (var model = CopyOf(initial))
        using (var trainer = new Trainer(model, options))
        using (var cancel = new CancellationTokenSource())
        {
            var stop = new Reports<TrainingProgress>(p =>
            {
                if (p.Epoch == 2 && p.Step == 4)
                {
                    cancel.Cancel();
                }
            });
            var result = trainer.Run(Shuffled(images, labels, 32, trainer.Shuffling), checkpointPath: checkpoint, progress: stop, cancellationToken: cancel.Token);

            trainer.EpochsDone.Should().Be(1);
            result[^1].Should().Match<EpochResult>(e => e.Epoch == 2 && e.Steps == 4 && !e.Completed, "the current step is finished, no further one");
        }

        using (var model = new LeNet5()) // other starting weights: everything must come from the checkpoint
        using (var trainer = new Trainer(model, options))
        {
            trainer.Resume(checkpoint);
            trainer.EpochsDone.Should().Be(1);
            var result = trainer.Run(Shuffled(images, labels, 32, trainer.Shuffling));

            result.Should().OnlyContain(e => e.Completed);
            result.Select(e => (e.Epoch, e.Steps)).Should().Equal([(2, 10), (3, 10)], "epoch 2 continues after its 4th step, and counts the 4 steps before the checkpoint");
            trainer.History.Select(Measures).Should().Equal(history.Select(Measures), "the checkpoint carries the history and the unfinished epoch's tallies: {0}", why);
            model.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, uninterrupted[e.Key]).Should().BeTrue("{0}: {1}", e.Key, why));
        }
    }

    [Fact]
    public void Cancelling_finishes_the_step_saves_a_checkpoint_and_says_so()
    {
        var (images, labels) = Fashion;
        string checkpoint = Path.Combine(Folder, "cancelled.ckpt");
        using var model = new LeNet5();
        using var trainer = new Trainer(model, new TrainingOptions { Epochs = 2 });
        using var cancel = new CancellationTokenSource();
        int steps = 0;

        var result = trainer.Run(
            Shuffled(images, labels, 32, trainer.Shuffling), checkpointPath: checkpoint,
            progress: new Reports<TrainingProgress>(_ => { steps++; cancel.Cancel(); }), cancellationToken: cancel.Token);

        result.Should().ContainSingle().Which.Completed.Should().BeFalse();
        steps.Should().Be(1, "the step that saw the cancellation was finished and no other began");
        File.Exists(checkpoint).Should().BeTrue();
        Directory.GetFiles(Folder).Should().Equal([checkpoint], "the temporary file was renamed");
        using var other = new Trainer(model, new TrainingOptions { Epochs = 2 });
        FluentActions.Invoking(() => other.Resume(checkpoint)).Should().NotThrow();
    }

    [Fact]
    public void A_diverging_step_throws_and_the_last_good_checkpoint_remains()
    {
        var (images, labels) = Fashion;
        string checkpoint = Path.Combine(Folder, "good.ckpt"), best = Path.Combine(Folder, "best.safetensors");
        using var model = new LeNet5();
        using var trainer = new Trainer(model, new TrainingOptions { Epochs = 3 });
        int epoch = 0;
        byte[]? afterEpoch1 = null;
        IEnumerable<(Tensor, Tensor)> Poisoned()
        {
            if (++epoch == 2)
            {
                afterEpoch1 = File.ReadAllBytes(checkpoint);
                var bad = images.narrow(0, 0, 8).clone();
                bad[3, 0, 0, 0] = tensor(float.NaN);
                yield return (bad, labels.narrow(0, 0, 8));
            }

            foreach (var batch in Shuffled(images, labels, 64, trainer.Shuffling))
            {
                yield return batch;
            }
        }

        var diverged = FluentActions.Invoking(() => trainer.Run(Poisoned(), [(images.narrow(0, 0, 64), labels.narrow(0, 0, 64))], checkpoint, best))
            .Should().Throw<TrainingDivergedException>().Which;

        diverged.Epoch.Should().Be(2);
        diverged.Step.Should().Be(1);
        File.ReadAllBytes(checkpoint).Should().Equal(afterEpoch1, "the checkpoint of epoch 1 is left as it was");
        File.Exists(best).Should().BeTrue();
        model.parameters().Should().AllSatisfy(p => p.isfinite().all().item<bool>().Should().BeTrue("the diverging step was not applied"));
        using var restored = new LeNet5();
        using var resumed = new Trainer(restored, new TrainingOptions { Epochs = 3 });
        resumed.Resume(checkpoint);
        resumed.EpochsDone.Should().Be(1);
        using var bestModel = new LeNet5();
        bestModel.LoadWeights(best);
        bestModel.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, restored.state_dict()[e.Key]).Should().BeTrue(e.Key));
    }

    [Fact]
    public void A_checkpoint_saved_under_one_culture_resumes_under_another()
    {
        string checkpoint = Path.Combine(Folder, "culture.ckpt");
        var options = new TrainingOptions { LearningRate = 0.01, LabelSmoothing = 0.1, Optimizer = TrainingOptimizer.Sgd(0.9) };
        var culture = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE"); // 0,01
            using (var model = new LeNet5())
            using (var trainer = new Trainer(model, options))
            {
                trainer.SaveCheckpoint(checkpoint);
            }

            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("en-US"); // 0.01
            using var resumed = new LeNet5();
            using var again = new Trainer(resumed, options);
            FluentActions.Invoking(() => again.Resume(checkpoint)).Should().NotThrow();
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void A_checkpoint_for_other_options_or_no_checkpoint_at_all_is_refused_and_nothing_changes()
    {
        string checkpoint = Path.Combine(Folder, "a.ckpt"), junk = Path.Combine(Folder, "junk.ckpt");
        using var model = new LeNet5();
        using (var trainer = new Trainer(model, new TrainingOptions { LearningRate = 0.01 }))
        {
            trainer.SaveCheckpoint(checkpoint);
        }

        File.WriteAllText(junk, "not a checkpoint");
        using var other = new LeNet5();
        var before = Snapshot(other);
        using var different = new Trainer(other, new TrainingOptions { LearningRate = 0.02 });

        FluentActions.Invoking(() => different.Resume(checkpoint)).Should().Throw<InvalidDataException>()
            .WithMessage("*written for LeNet5 with options*LearningRate = 0.01*this trainer has LeNet5 with options*LearningRate = 0.02*");
        FluentActions.Invoking(() => different.Resume(junk)).Should().Throw<InvalidDataException>().WithMessage("*not a*checkpoint*");
        other.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, before[e.Key]).Should().BeTrue(e.Key));
    }

    /// <summary>What an epoch measured, without its wall time.</summary>
    private static (int, int, long, double, double, double) Measures(EpochResult e) => (e.Epoch, e.Steps, e.Images, e.TrainLoss, e.TrainAccuracy, e.LearningRate);
}
