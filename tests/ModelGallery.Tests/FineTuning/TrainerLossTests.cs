using ModelGallery.Models;
using ModelGallery.Training;
using static ModelGallery.Tests.FineTuning.TrainerTestSupport;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The loss (label smoothing, auxiliary heads) and gradient clipping against hand computations.</summary>
public sealed class TrainerLossTests
{
    private static readonly string[] AuxModules = ["fc", "aux1", "aux2"];

    [Fact]
    public void Label_smoothing_gives_the_hand_computed_cross_entropy()
    {
        const double Epsilon = 0.2;
        using var scope = NewDisposeScope();
        var (x, y) = (randn(3, 3, 32, 32), new long[] { 2, 0, 7 });
        using var model = new LeNet5();
        double[][] logits;
        using (var noGrad = no_grad())
        {
            model.Classifier.weight!.mul_(100); // a fresh LeNet-5's logits are nearly uniform, where smoothing changes little
        }

        using (var inference = inference_mode())
        {
            var output = model.call(x).to(ScalarType.Float64);
            logits = [.. Enumerable.Range(0, 3).Select(r => output[r].data<double>().ToArray())];
        }

        // target q = (1 − ε)·onehot + ε / K; loss = mean over rows of −Σ q·log softmax(z)
        double expected = logits.Select((z, row) =>
        {
            double max = z.Max();
            double logSum = max + Math.Log(z.Sum(v => Math.Exp(v - max)));
            return -z.Select((v, c) => (((c == y[row] ? 1 - Epsilon : 0) + (Epsilon / z.Length)) * (v - logSum))).Sum();
        }).Average();
        double reported = double.NaN;
        using var trainer = new Trainer(model, new TrainingOptions { LabelSmoothing = Epsilon, Epochs = 1 });

        trainer.TrainEpoch([(x, tensor(y))], new Reports<TrainingProgress>(p => reported = p.Loss));

        reported.Should().BeApproximately(expected, 1e-5);
        expected.Should().NotBeApproximately(logits.Select((z, row) => z.Max() + Math.Log(z.Sum(v => Math.Exp(v - z.Max()))) - z[y[row]]).Average(), 1e-3, "smoothing must change the loss");
    }

    [Fact]
    public void Clipping_scales_the_gradient_to_the_maximum_global_norm_along_its_direction()
    {
        const double MaxNorm = 0.01;
        using var scope = NewDisposeScope();
        var (x, y) = (randn(4, 3, 32, 32), tensor(new long[] { 0, 1, 2, 3 }));
        using var model = new LeNet5();
        using var reference = CopyOf(model);
        var before = Snapshot(model);
        var options = new TrainingOptions { Optimizer = TrainingOptimizer.Sgd(momentum: 0, weightDecay: 0), LearningRate = 1, MaxGradientNorm = MaxNorm, Epochs = 1 };
        using (var trainer = new Trainer(model, options))
        {
            trainer.TrainEpoch([(x, y)]);
        }

        var grad = Gradients(reference, x, y);
        double norm = Math.Sqrt(grad.Values.Sum(g => g.square().sum().item<double>()));
        norm.Should().BeGreaterThan(10 * MaxNorm, "the gradient must be clipped for the test to mean anything");
        var steps = model.named_parameters().ToDictionary(p => p.name, p => before[p.name].to(ScalarType.Float64) - p.parameter.to(ScalarType.Float64));
        Math.Sqrt(steps.Values.Sum(s => s.square().sum().item<double>())).Should().BeApproximately(MaxNorm, 1e-6, "lr 1: the step is the clipped gradient");
        foreach (var (key, step) in steps)
        {
            (step - (grad[key] * (MaxNorm / norm))).abs().max().item<double>().Should().BeLessThan(1e-7, key);
        }
    }

    [Fact]
    public void GoogLeNet_with_aux_heads_trains_on_main_plus_three_tenths_of_each_aux_loss()
    {
        using var scope = NewDisposeScope();
        var (x, y) = (randn(2, 3, 32, 32), tensor(new long[] { 0, 2 }));
        using var model = new GoogLeNet(numClasses: 3, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);
        var captured = new Dictionary<string, Tensor>();
        var hooks = AuxModules.Select(name =>
        {
            var module = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == name).module;
            return module.register_forward_hook((_, _, output) =>
            {
                captured[name] = output.detach().to(ScalarType.Float64).DetachFromDisposeScope();
                return output;
            });
        }).ToList();
        double reported = double.NaN;
        using (var trainer = new Trainer(model, new TrainingOptions { LearningRate = 1e-4, Epochs = 1 }))
        {
            trainer.TrainEpoch([(x, y)], new Reports<TrainingProgress>(p => reported = p.Loss));
        }

        hooks.ForEach(h => h.remove());
        double CrossEntropy(Tensor logits) => -logits.log_softmax(1).gather(1, y.unsqueeze(1)).mean().item<double>();
        double main = CrossEntropy(captured["fc"]), aux1 = CrossEntropy(captured["aux1"]), aux2 = CrossEntropy(captured["aux2"]);

        reported.Should().BeApproximately(main + (0.3 * (aux1 + aux2)), 1e-5);
        (0.3 * (aux1 + aux2)).Should().BeGreaterThan(1e-3, "the aux heads must add something for the test to mean anything");
    }
}
