using ModelGallery.Models;
using ModelGallery.Training;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The optimizers against their update formulas, applied by hand in float64 to gradients from autograd.</summary>
public sealed class TrainerOptimizerTests
{
    private static readonly string[] Head = ["fc3.weight", "fc3.bias"];

    [Theory]
    [InlineData(0.0, false, 0.0)]
    [InlineData(0.9, false, 0.0)]
    [InlineData(0.9, true, 0.0)]
    [InlineData(0.9, true, 0.05)]
    [InlineData(0.5, false, 0.01)]
    public void Two_sgd_steps_follow_the_momentum_nesterov_and_weight_decay_formula(double momentum, bool nesterov, double weightDecay)
    {
        const double Lr = 0.1;
        using var scope = NewDisposeScope();
        var (x1, y1) = (randn(6, 3, 32, 32), tensor(new long[] { 0, 1, 2, 3, 4, 5 }));
        var (x2, y2) = (randn(6, 3, 32, 32), tensor(new long[] { 5, 4, 3, 2, 1, 0 }));
        using var model = new LeNet5();
        using var reference = CopyOf(model);
        var p0 = Head.ToDictionary(k => k, k => model.state_dict()[k].to(ScalarType.Float64));
        var options = new TrainingOptions
        {
            Optimizer = TrainingOptimizer.Sgd(momentum, nesterov, weightDecay), LearningRate = Lr, Epochs = 1, Freeze = Freeze.Backbone,
        };
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch([(x1, y1), (x2, y2)]);
        }

        // torch.optim.SGD: d = g + λp; b = d (first step) or μb + d; step along b, or d + μb with Nesterov.
        var buffer = new Dictionary<string, Tensor>();
        var p = p0;
        foreach (var (x, y) in new[] { (x1, y1), (x2, y2) })
        {
            Load(reference, p);
            var grad = Gradients(reference, x, y);
            p = Head.ToDictionary(k => k, k =>
            {
                var d = grad[k] + (weightDecay * p[k]);
                buffer[k] = buffer.TryGetValue(k, out var b) ? (momentum * b) + d : d;
                var direction = momentum == 0 ? d : nesterov ? d + (momentum * buffer[k]) : buffer[k];
                return p[k] - (Lr * direction);
            });
        }

        foreach (string key in Head)
        {
            double error = (model.state_dict()[key].to(ScalarType.Float64) - p[key]).abs().max().item<double>();
            error.Should().BeLessThan(1e-5, key);
            (p[key] - p0[key]).abs().max().item<double>().Should().BeGreaterThan(1e-3, "the steps must move {0} for the comparison to mean something", key);
        }
    }

    [Fact]
    public void One_adamw_step_decays_the_weights_then_steps_by_the_bias_corrected_moments()
    {
        const double Lr = 0.01, Decay = 0.1, Eps = 1e-8;
        using var scope = NewDisposeScope();
        var (x, y) = (randn(6, 3, 32, 32), tensor(new long[] { 0, 1, 2, 3, 4, 5 }));
        using var model = new LeNet5();
        using var reference = CopyOf(model);
        var p0 = Head.ToDictionary(k => k, k => model.state_dict()[k].to(ScalarType.Float64));
        var options = new TrainingOptions
        {
            Optimizer = TrainingOptimizer.AdamW(beta1: 0.8, beta2: 0.99, weightDecay: Decay, epsilon: Eps), LearningRate = Lr, Epochs = 1, Freeze = Freeze.Backbone,
        };
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch([(x, y)]);
        }

        var grad = Gradients(reference, x, y);
        foreach (string key in Head)
        {
            // m = (1 − β1)g, v = (1 − β2)g²; m̂ = m / (1 − β1) = g, v̂ = v / (1 − β2) = g²
            var m = 0.2 * grad[key];
            var v = 0.01 * grad[key] * grad[key];
            var expected = (p0[key] * (1 - (Lr * Decay))) - (Lr * (m / 0.2) / ((v / 0.01).sqrt() + Eps));
            (model.state_dict()[key].to(ScalarType.Float64) - expected).abs().max().item<double>().Should().BeLessThan(1e-6, key);
        }
    }

    [Fact]
    public void A_lower_backbone_rate_makes_two_groups_that_step_at_their_own_rates()
    {
        const double Lr = 0.5, Factor = 0.1;
        using var scope = NewDisposeScope();
        var (x, y) = (randn(6, 3, 32, 32), tensor(new long[] { 0, 1, 2, 3, 4, 5 }));
        using var model = new LeNet5();
        using var reference = CopyOf(model);
        var before = Snapshot(model);
        var options = new TrainingOptions
        {
            Optimizer = TrainingOptimizer.Sgd(momentum: 0, weightDecay: 0), LearningRate = Lr, Epochs = 1, Freeze = Freeze.BackboneWithLowerLr(Factor),
        };
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch([(x, y)]);
        }

        var grad = Gradients(reference, x, y);
        foreach (var (key, parameter) in model.named_parameters())
        {
            double rate = Head.Contains(key) ? Lr : Lr * Factor;
            var expected = before[key].to(ScalarType.Float64) - (rate * grad[key]);
            (parameter.to(ScalarType.Float64) - expected).abs().max().item<double>().Should().BeLessThan(1e-6, key);
            parameter.requires_grad.Should().BeTrue(key);
        }
    }

    private static void Load(LeNet5 model, Dictionary<string, Tensor> values)
    {
        using var noGrad = no_grad();
        foreach (var (key, value) in values)
        {
            model.state_dict()[key].copy_(value.to(ScalarType.Float32));
        }
    }
}
