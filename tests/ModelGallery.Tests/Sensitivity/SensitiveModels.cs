using ModelGallery.Layers;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Sensitivity;

/// <summary>
/// Models whose output depends on their input, for every test that compares two ways of computing the same thing.
/// Freshly initialised deep networks mostly ignore their input (VGG-16's logits move by ~1e-7 between two images
/// against a scale of ~2e-2), so such a comparison passes whatever the code does. Here convolution and linear weights
/// are drawn N(0, 2 / fan-in) from a seeded generator (He et al., which keeps ReLU activations alive), biases small,
/// and every batch norm's running statistics are calibrated on random images in one pass. <see cref="Check"/> then
/// asserts the sensitivity before any comparison is trusted.
/// </summary>
internal static class SensitiveModels
{
    /// <summary>A registered model with input-sensitive weights, in eval mode.</summary>
    public static GalleryModel Create(string name, long seed = 1) => Initialise(ModelZoo.Create(name), seed);

    /// <summary>Gives <paramref name="model"/> input-sensitive weights and calibrated batch norms; returns it in eval mode.</summary>
    public static TModel Initialise<TModel>(TModel model, long seed = 1)
        where TModel : GalleryModel
    {
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var (_, module) in model.named_modules())
            {
                (Tensor? weight, Tensor? bias) = module switch
                {
                    Conv2d conv => (conv.weight, conv.bias),
                    Linear linear => (linear.weight, linear.bias),
                    _ => (null, null),
                };
                if (weight is not null)
                {
                    long fanIn = weight.numel() / weight.shape[0];
                    weight.copy_(randn(weight.shape, generator: generator) * Math.Sqrt(2.0 / fanIn));
                    bias?.copy_(randn(bias.shape, generator: generator) * 0.01);
                }
            }
        }

        Calibrate(model, generator);
        using (no_grad())
        {
            // Residual sums add up variance block after block; a smaller last scale per block keeps a deep ResNet's
            // logits from being dominated by it (as torchvision's zero_init_residual does, but not to zero: every
            // convolution must still count).
            foreach (var block in model.modules().OfType<ResidualBlock>())
            {
                block.MainPath[^1].Norm.weight!.mul_(0.2);
            }
        }

        model.eval();
        return model;
    }

    /// <summary>
    /// Asserts that two different inputs move the logits by far more than <paramref name="relativeTolerance"/> (at
    /// least 100 times, relative to the logit scale), so that a comparison within that tolerance means something.
    /// Returns the logit scale (the largest absolute logit for <paramref name="first"/>).
    /// </summary>
    public static double Check(GalleryModel model, Tensor first, Tensor second, double relativeTolerance) =>
        Measure(model, first, second, minimumMovement: 100 * relativeTolerance).Scale;

    /// <summary>
    /// How far two inputs move the logits, relative to the logit scale; asserts at least <paramref name="minimumMovement"/>.
    /// </summary>
    public static (double Scale, double Movement) Measure(GalleryModel model, Tensor first, Tensor second, double minimumMovement)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var a = model.call(first).to(ScalarType.Float64);
        var b = model.call(second).to(ScalarType.Float64);
        double scale = a.abs().max().item<double>();
        double moved = (a - b).abs().max().item<double>() / scale;
        moved.Should().BeGreaterThan(minimumMovement,
            $"{model.GetName()} must be input-sensitive for the comparison to mean anything (two inputs moved its logits by {moved:E2} of {scale:E2})");
        return (scale, moved);
    }

    /// <summary>One pass over random images in which every batch norm takes its input's per-channel statistics as running statistics, before normalising.</summary>
    private static void Calibrate(GalleryModel model, Generator generator)
    {
        var removers = new List<Action>();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is BatchNorm2d norm)
            {
                removers.Add(norm.register_forward_pre_hook((_, input) =>
                {
                    using var scope = NewDisposeScope();
                    norm.running_mean!.copy_(input.mean([0, 2, 3]));
                    norm.running_var!.copy_(input.var([0, 2, 3], unbiased: false));
                    return input;
                }).remove);
            }
        }

        if (removers.Count == 0)
        {
            return;
        }

        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(randn([8, model.Input.Channels, model.Input.Height, model.Input.Width], generator: generator));
        }
        finally
        {
            removers.ForEach(remove => remove());
        }
    }
}
