using ModelGallery.Models;

namespace ModelGallery.Zoo;

/// <summary>
/// The registry of gallery models: plain data, looked up by name (case-insensitive). Tests and the CLI iterate
/// <see cref="All"/>, so a model registered here is covered everywhere.
/// </summary>
public static class ModelZoo
{
    private static readonly Dictionary<string, ModelInfo> ByName = new(StringComparer.OrdinalIgnoreCase);

    static ModelZoo()
    {
        Register(new ModelInfo(
            "lenet5", "LeNet-5", "Gradient-based learning applied to document recognition", 1998,
            new Uri("http://yann.lecun.com/exdb/publis/pdf/lecun-01a.pdf"), new InputShape(3, 32, 32), 10,
            parameters: 62_006, macs: 651_720,
            options => options.Dropout is { } dropout
                ? throw new ArgumentException($"LeNet5 has no dropout; received Dropout = {dropout}.", nameof(options))
                : new LeNet5(options.NumClasses ?? 10, options.InChannels)));
        Register(new ModelInfo(
            "alexnet", "AlexNet", "ImageNet Classification with Deep Convolutional Neural Networks", 2012,
            new Uri("https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks.pdf"), new InputShape(3, 227, 227), 2,
            parameters: 58_289_538, macs: 1_131_168_288,
            options => new AlexNet(options.NumClasses ?? 2, options.InChannels, options.Dropout ?? 0.5)));
        Register(new ModelInfo(
            "vgg16", "VGG-16", "Very Deep Convolutional Networks for Large-Scale Image Recognition", 2014,
            new Uri("https://arxiv.org/abs/1409.1556"), new InputShape(3, 224, 224, MinSize: 32), 2,
            parameters: 134_268_738, macs: 15_466_176_512,
            options => new Vgg16(options.NumClasses ?? 2, options.InChannels, options.Dropout ?? 0.5)));
        Register(new ModelInfo(
            "googlenet", "GoogLeNet", "Going Deeper with Convolutions", 2014,
            new Uri("https://arxiv.org/abs/1409.4842"), new InputShape(3, 224, 224), 2,
            parameters: 5_975_602, macs: 1_581_649_920,
            options => new GoogLeNet(options.NumClasses ?? 2, options.InChannels, options.Dropout)));
        Register(new ModelInfo(
            "alexnet-torchvision", "AlexNet (torchvision)", "One weird trick for parallelizing convolutional neural networks", 2014,
            new Uri("https://arxiv.org/abs/1404.5997"), new InputShape(3, 224, 224, MinSize: 63), 2,
            parameters: 57_012_034, macs: 710_100_672,
            options => new AlexNet(options.NumClasses ?? 2, options.InChannels, options.Dropout ?? 0.5, AlexNetVariant.Torchvision)));
        Register(new ModelInfo(
            "googlenet-torchvision", "GoogLeNet (torchvision)", "Going Deeper with Convolutions", 2014,
            new Uri("https://arxiv.org/abs/1409.4842"), new InputShape(3, 224, 224, MinSize: 15), 2,
            parameters: 5_601_954, macs: 1_497_354_240,
            options => new GoogLeNet(options.NumClasses ?? 2, options.InChannels, options.Dropout, GoogLeNetVariant.Torchvision)));
        All = [.. ByName.Values];
    }

    /// <summary>Every registered model, in registration order.</summary>
    public static IReadOnlyList<ModelInfo> All { get; }

    /// <summary>The registered names.</summary>
    public static IEnumerable<string> Names => All.Select(info => info.Name);

    /// <summary>Looks a model up by name, ignoring case.</summary>
    /// <param name="name">A registered name such as <c>vgg16</c>.</param>
    /// <exception cref="KeyNotFoundException">No model has that name; the message lists the known names.</exception>
    public static ModelInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Unknown model '{name}'. Known models: {string.Join(", ", Names)}.");
    }

    /// <summary>Looks a model up by name, ignoring case, without throwing.</summary>
    /// <param name="name">A name.</param>
    /// <param name="info">The model, when found.</param>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelInfo? info) =>
        ByName.TryGetValue(name ?? string.Empty, out info);

    /// <summary>Builds a registered model by name.</summary>
    /// <param name="name">A registered name such as <c>googlenet</c>.</param>
    /// <param name="options">Options; null for the defaults.</param>
    public static GalleryModel Create(string name, ModelOptions? options = null) => Get(name).Create(options);

    private static void Register(ModelInfo info)
    {
        if (!ByName.TryAdd(info.Name, info))
        {
            throw new InvalidOperationException($"A model named '{info.Name}' is registered twice.");
        }
    }
}
