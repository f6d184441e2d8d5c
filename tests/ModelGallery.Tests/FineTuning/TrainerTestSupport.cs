using ModelGallery.Data;
using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Data and helpers shared by the fine-tuning trainer tests.</summary>
internal static class TrainerTestSupport
{
    private static readonly Lazy<(Tensor Images, Tensor Labels)> FashionSubset = new(() =>
    {
        using var train = FashionMnist.Load(train: true);
        using var scope = NewDisposeScope();
        var images = LeNet5.FashionMnist.Preset.Apply(train.Images.narrow(0, 0, 320));
        var labels = train.Labels.narrow(0, 0, 320).clone();
        return (images.DetachFromDisposeScope(), labels.DetachFromDisposeScope());
    });

    /// <summary>320 preprocessed Fashion-MNIST training images for LeNet-5, and their labels (shared, never disposed).</summary>
    public static (Tensor Images, Tensor Labels) Fashion => FashionSubset.Value;

    /// <summary>A loader as the data engineer writes it: reshuffles from <paramref name="generator"/> each time it is enumerated.</summary>
    public static IEnumerable<(Tensor Images, Tensor Labels)> Shuffled(Tensor images, Tensor labels, int batchSize, Generator generator)
    {
        long count = images.shape[0];
        using var order = randperm(count, generator: generator).DetachFromDisposeScope();
        for (long first = 0; first < count; first += batchSize)
        {
            var indices = order.narrow(0, first, Math.Min(batchSize, count - first));
            yield return (images.index_select(0, indices), labels.index_select(0, indices));
        }
    }

    /// <summary>A copy of every parameter and buffer, outside any dispose scope.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(e => e.Key, e => e.Value.detach().clone().DetachFromDisposeScope());

    /// <summary>
    /// A LeNet-5 whose weights come from its own generator seeded with <paramref name="seed"/>, not from the global one
    /// (which tests running in parallel share): every weight and bias uniform in ±1/√fan_in, PyTorch's default for
    /// convolutions and linear layers (kaiming_uniform with a = √5 gives that bound).
    /// </summary>
    public static LeNet5 SeededLeNet5(long seed)
    {
        var model = new LeNet5();
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in named)
        {
            using var scope = NewDisposeScope();
            var weight = name.EndsWith(".bias", StringComparison.Ordinal) ? named[name[..^".bias".Length] + ".weight"] : parameter;
            double bound = 1 / Math.Sqrt(weight.numel() / weight.shape[0]);
            parameter.copy_(rand(parameter.shape, generator: generator).mul_(2 * bound).sub_(bound));
        }

        return model;
    }

    /// <summary>A LeNet-5 with the weights of <paramref name="source"/>.</summary>
    public static LeNet5 CopyOf(LeNet5 source)
    {
        var copy = new LeNet5(source.NumClasses);
        copy.load_state_dict(source.state_dict());
        return copy;
    }

    /// <summary>The gradient of the plain mean cross-entropy with respect to every named parameter, from autograd alone.</summary>
    public static Dictionary<string, Tensor> Gradients(GalleryModel model, Tensor images, Tensor labels)
    {
        model.zero_grad();
        using (var scope = NewDisposeScope())
        {
            nn.functional.cross_entropy(model.call(images), labels).backward();
        }

        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.to(ScalarType.Float64).DetachFromDisposeScope());
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread, at once (unlike <see cref="Progress{T}"/>).</summary>
internal sealed class Reports<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
