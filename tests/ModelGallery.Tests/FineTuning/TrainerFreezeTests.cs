using ModelGallery.Models;
using ModelGallery.Training;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>A frozen backbone stays bit for bit; the head learns, also from cached features.</summary>
public sealed class TrainerFreezeTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_frozen_backbone_is_bit_unchanged_and_the_head_changes(bool cacheFeatures)
    {
        var (images, labels) = Fashion;
        using var model = SeededLeNet5(21); // not the global generator, which parallel tests share: the same start every run
        var before = Snapshot(model);
        var options = new TrainingOptions { Freeze = Freeze.Backbone, CacheFeatures = cacheFeatures, Epochs = 2, LearningRate = 0.05 };
        using var trainer = new Trainer(model, options);
        var reports = new List<TrainingProgress>();

        var result = trainer.Run(Shuffled(images, labels, 32, trainer.Shuffling), progress: new Reports<TrainingProgress>(reports.Add));

        result.Should().HaveCount(2).And.OnlyContain(e => e.OnCachedFeatures == cacheFeatures);
        reports.Should().HaveCount(20).And.OnlyContain(r => r.OnCachedFeatures == cacheFeatures, "the progress report says how the head is trained");
        foreach (var (key, parameter) in model.named_parameters())
        {
            bool head = key.StartsWith("fc3.", StringComparison.Ordinal);
            parameter.requires_grad.Should().Be(head, key);
            TestTensors.Same(parameter, before[key]).Should().Be(!head, head ? $"{key} is the head and must learn" : $"{key} is frozen");
        }

        result[1].TrainLoss.Should().BeLessThan(result[0].TrainLoss);
    }

    [Fact]
    public void A_frozen_backbone_keeps_its_batch_norm_statistics_and_every_other_buffer()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(31);
        var images = randn([16, 3, 40, 40], generator: generator);
        var labels = randint(0, 4, [16], generator: generator);
        using var model = new GoogLeNet(numClasses: 4, variant: GoogLeNetVariant.Torchvision); // batch norm after every convolution
        var before = Snapshot(model);
        model.named_buffers().Should().Contain(b => b.name.EndsWith("running_mean", StringComparison.Ordinal), "the test needs batch-norm statistics");
        using var trainer = new Trainer(model, new TrainingOptions { Freeze = Freeze.Backbone, Epochs = 1, LearningRate = 0.05 });

        trainer.Run(Shuffled(images, labels, 8, trainer.Shuffling));

        foreach (var (key, value) in model.state_dict())
        {
            bool head = key.StartsWith("fc.", StringComparison.Ordinal);
            TestTensors.Same(value, before[key]).Should().Be(!head, head ? $"{key} is the head and must learn" : $"{key} is frozen: parameters, running statistics and batch counts stay as loaded");
        }
    }

    [Fact]
    public void The_features_are_the_classifiers_input()
    {
        using var scope = NewDisposeScope();
        using var model = new GoogLeNet(numClasses: 4, variant: GoogLeNetVariant.Torchvision);
        model.eval();
        var x = randn(2, 3, 40, 40);

        var features = model.ForwardFeatures(x);

        features.shape.Should().Equal(2, 1024);
        TestTensors.Same(model.Classifier.call(features), model.call(x)).Should().BeTrue();
    }

    [Fact]
    public void Caching_features_without_a_frozen_backbone_is_refused()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => new Trainer(model, new TrainingOptions { CacheFeatures = true }))
            .Should().Throw<ArgumentException>().WithMessage("CacheFeatures needs the backbone frozen*received Freeze = None*");
    }
}
