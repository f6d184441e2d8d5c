using ModelGallery.Models;
using ModelGallery.Training;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Every option is validated, and the message names the option and the value.</summary>
public sealed class TrainerOptionsTests
{
    public static TheoryData<string, TrainingOptions, string> BadOptions => new()
    {
        { "options.LearningRate", new TrainingOptions { LearningRate = double.NaN }, "LearningRate must be a finite number above 0; received NaN" },
        { "options.LearningRate", new TrainingOptions { LearningRate = 0 }, "received 0" },
        { "options.Epochs", new TrainingOptions { Epochs = 0 }, "Epochs must be at least 1; received 0" },
        { "options.WarmupEpochs", new TrainingOptions { WarmupEpochs = -1 }, "WarmupEpochs must be at least 0; received -1" },
        { "options.WarmupEpochs", new TrainingOptions { Epochs = 3, WarmupEpochs = 3 }, "WarmupEpochs must be fewer than Epochs (3); received 3" },
        { "options.LabelSmoothing", new TrainingOptions { LabelSmoothing = 1 }, "LabelSmoothing must be in [0, 1); received 1" },
        { "options.MaxGradientNorm", new TrainingOptions { MaxGradientNorm = -1 }, "MaxGradientNorm must be a finite number above 0; received -1" },
        { "options.AuxiliaryLossWeight", new TrainingOptions { AuxiliaryLossWeight = 2 }, "AuxiliaryLossWeight must be in [0, 1]; received 2" },
        { "options.Freeze.Factor", new TrainingOptions { Freeze = Freeze.BackboneWithLowerLr(0) }, "Freeze.Factor must be in (0, 1]; received 0" },
        { "options.Momentum", new TrainingOptions { Optimizer = TrainingOptimizer.Sgd(momentum: 1) }, "Momentum must be in [0, 1); received 1" },
        { "options.WeightDecay", new TrainingOptions { Optimizer = TrainingOptimizer.Sgd(weightDecay: -0.1) }, "WeightDecay must be a finite number of at least 0; received -0.1" },
        { "options.Optimizer", new TrainingOptions { Optimizer = TrainingOptimizer.Sgd(momentum: 0, nesterov: true) }, "Nesterov momentum needs a momentum above 0" },
        { "options.Beta2", new TrainingOptions { Optimizer = TrainingOptimizer.AdamW(beta2: 1.5) }, "Beta2 must be in [0, 1); received 1.5" },
        { "options.Epsilon", new TrainingOptions { Optimizer = TrainingOptimizer.AdamW(epsilon: 0) }, "Epsilon must be a finite number above 0; received 0" },
        { "options.Schedule.StepEpochs", new TrainingOptions { Schedule = LearningRateSchedule.StepDecay(stepEpochs: 0) }, "StepEpochs must be at least 1; received 0" },
        { "options.Schedule.Gamma", new TrainingOptions { Schedule = LearningRateSchedule.StepDecay(gamma: 0) }, "Schedule.Gamma must be in (0, 1]; received 0" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void A_bad_option_is_refused_naming_it_and_the_value(string parameter, TrainingOptions options, string message)
    {
        using var model = new LeNet5();

        var refused = FluentActions.Invoking(() => new Trainer(model, options)).Should().Throw<ArgumentException>().Which;

        refused.ParamName.Should().Be(parameter);
        refused.Message.Should().Contain(message);
    }
}
