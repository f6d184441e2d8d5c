using ModelGallery.Models;
using ModelGallery.Training;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Tests that need TorchSharp's global generator to themselves run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(GlobalGenerator), DisableParallelization = true)]
public sealed class GlobalGenerator;

/// <summary>
/// Resume restores the global generator, from which dropout draws: GoogLeNet (dropout 0.2 before its classifier)
/// resumed after an epoch of draws must go on with the same masks as a run that was never interrupted. The resumed
/// trainer's constructor reseeds the generator with the same seed, so only the checkpoint's state can make it right.
/// </summary>
[Collection(nameof(GlobalGenerator))]
public sealed class GlobalGeneratorResumeTests : TempFolder
{
    [Fact]
    public void A_model_with_dropout_resumed_after_an_epoch_ends_with_the_same_bits_as_an_uninterrupted_run()
    {
        using var scope = NewDisposeScope();
        using var data = new Generator(41);
        var images = randn([16, 3, 40, 40], generator: data);
        var labels = randint(0, 4, [16], generator: data);
        using var initial = new GoogLeNet(numClasses: 4, variant: GoogLeNetVariant.Torchvision);
        var start = Snapshot(initial);
        var options = new TrainingOptions { Epochs = 2, LearningRate = 0.01, Seed = 5 };
        string checkpoint = Path.Combine(Folder, "dropout.ckpt");
        GoogLeNet Copy()
        {
            var copy = new GoogLeNet(numClasses: 4, variant: GoogLeNetVariant.Torchvision);
            copy.load_state_dict(start);
            return copy;
        }

        Dictionary<string, Tensor> uninterrupted;
        using (var model = Copy())
        using (var trainer = new Trainer(model, options))
        {
            trainer.Run(Shuffled(images, labels, 8, trainer.Shuffling));
            uninterrupted = Snapshot(model);
        }

        using (var model = Copy())
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch(Shuffled(images, labels, 8, trainer.Shuffling));
            trainer.SaveCheckpoint(checkpoint);
        }

        using (var model = Copy())
        using (var trainer = new Trainer(model, options))
        {
            trainer.Resume(checkpoint);
            trainer.Run(Shuffled(images, labels, 8, trainer.Shuffling));

            model.state_dict().Should().AllSatisfy(e => TestTensors.Same(e.Value, uninterrupted[e.Key]).Should().BeTrue(e.Key));
        }
    }
}
