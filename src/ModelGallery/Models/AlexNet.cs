using ModelGallery.Modeling;
using ModelGallery.Data;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// AlexNet, from "ImageNet Classification with Deep Convolutional Neural Networks" (Krizhevsky, Sutskever and
/// Hinton, 2012), as a single tower: five convolutions, three max-pools, and three fully connected layers with
/// dropout before the two hidden ones. <see cref="AlexNetVariant.Paper"/> (default) has the paper's filter counts and
/// local response normalisation; <see cref="AlexNetVariant.Torchvision"/> is torchvision's <c>alexnet</c>.
/// </summary>
/// <remarks>
/// The paper splits every layer across two GPUs; the single tower has the paper's total filter counts.
/// Submodules are laid out as torchvision lays out its AlexNet (<c>features</c>, <c>avgpool</c>, <c>classifier</c>),
/// so the torchvision variant loads torchvision's state_dict key for key; the paper variant adds its two LRN
/// layers to <c>features</c> and has no average pool.
/// </remarks>
public sealed class AlexNet : GalleryModel
{
    /// <summary>The class count when none is given.</summary>
    private const int DefaultClasses = 2;

    /// <summary>The dropout probability when none is given (paper and torchvision).</summary>
    private const double DefaultDropout = 0.5;

    /// <summary>The paper's normalisation: size 5, α = 1e-4, β = 0.75, k = 2.</summary>
    public static LrnSpec PaperLrn { get; } = new(Size: 5, Alpha: 1e-4, Beta: 0.75, K: 2);

    private Sequential features = null!;
    private AdaptiveAvgPool2d? avgpool;
    private Sequential classifier = null!;
    private nn.Module<Tensor, Tensor>[] classifierLayers = null!;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="dropout">Dropout probability before each hidden fully connected layer, in [0, 1).</param>
    /// <param name="variant">The paper's network (default) or torchvision's.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public AlexNet(int numClasses = DefaultClasses, int inChannels = 3, double dropout = DefaultDropout, AlexNetVariant variant = AlexNetVariant.Paper)
        : base(nameof(AlexNet), InputOf(variant) with { Channels = inChannels }, numClasses)
    {
        Variant = variant;
        Build(() =>
        {
            var dropout6 = Layer.Dropout(dropout);
            var dropout7 = Layer.Dropout(dropout);
            List<ModelStage> stages = [];
            var pool = new PoolSpec(Kernel: 3, Stride: 2);
            var convolutions = new SequentialStages(nameof(features), stages);
            if (variant == AlexNetVariant.Paper)
            {
                convolutions
                    .Row("conv1", Layer.Conv(inChannels, new ConvSpec(Filters: 96, Kernel: 11, Stride: 4)), Layer.ReLU()) // 55 x 55 x 96
                    .Row("lrn1", Layer.Lrn(PaperLrn))
                    .Row("pool1", Layer.MaxPool(pool))                                                           // 27 x 27 x 96
                    .Row("conv2", Layer.Conv(96, new ConvSpec(Filters: 256, Kernel: 5, Padding: 2)), Layer.ReLU())  // 27 x 27 x 256
                    .Row("lrn2", Layer.Lrn(PaperLrn))
                    .Row("pool2", Layer.MaxPool(pool))                                                           // 13 x 13 x 256
                    .Row("conv3", Layer.Conv(256, new ConvSpec(Filters: 384, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 384
                    .Row("conv4", Layer.Conv(384, new ConvSpec(Filters: 384, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 384
                    .Row("conv5", Layer.Conv(384, new ConvSpec(Filters: 256, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 256
                    .Row("pool5", Layer.MaxPool(pool));                                                          // 6 x 6 x 256
            }
            else
            {
                convolutions
                    .Row("conv1", Layer.Conv(inChannels, new ConvSpec(Filters: 64, Kernel: 11, Stride: 4, Padding: 2)), Layer.ReLU()) // 55 x 55 x 64
                    .Row("pool1", Layer.MaxPool(pool))                                                           // 27 x 27 x 64
                    .Row("conv2", Layer.Conv(64, new ConvSpec(Filters: 192, Kernel: 5, Padding: 2)), Layer.ReLU())  // 27 x 27 x 192
                    .Row("pool2", Layer.MaxPool(pool))                                                           // 13 x 13 x 192
                    .Row("conv3", Layer.Conv(192, new ConvSpec(Filters: 384, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 384
                    .Row("conv4", Layer.Conv(384, new ConvSpec(Filters: 256, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 256
                    .Row("conv5", Layer.Conv(256, new ConvSpec(Filters: 256, Kernel: 3, Padding: 1)), Layer.ReLU()) // 13 x 13 x 256
                    .Row("pool5", Layer.MaxPool(pool));                                                          // 6 x 6 x 256
                avgpool = nn.AdaptiveAvgPool2d(6); // 6 x 6 x 256 whatever the input size; the identity at 224 x 224
            }

            features = convolutions.Build();
            classifier = new SequentialStages(nameof(classifier), stages)
                .Row("dropout6", dropout6)
                .Row("fc6", Layer.Dense(256 * 6 * 6, 4096), Layer.ReLU())
                .Row("dropout7", dropout7)
                .Row("fc7", Layer.Dense(4096, 4096), Layer.ReLU())
                .Row("fc8", Layer.Dense(4096, numClasses))
                .Build();
            RegisterComponents();
            classifierLayers = [.. classifier.children().Cast<nn.Module<Tensor, Tensor>>()]; // after registering: a view, not more modules
            Stages = stages;
            ClassifierModules = ["classifier.6"];
        });
    }

    /// <summary>torchvision's ImageNet-1K weights for the torchvision variant (<c>AlexNet_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<AlexNet> ImageNet1K { get; } = PretrainedWeights<AlexNet>.ImageNet1K(
        "alexnet-torchvision", classes => new AlexNet(classes, variant: AlexNetVariant.Torchvision), "AlexNet_Weights.IMAGENET1K_V1",
        "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth", bytes: 244_408_911, parameters: 61_100_840, minSize: 63,
        top1: 56.522, top5: 79.066, recipe: "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg");

    /// <summary>The registry's entry for the paper's network: <c>alexnet</c>.</summary>
    public static ModelInfo Info { get; } = new(
        "alexnet", "AlexNet",
        new Paper("ImageNet Classification with Deep Convolutional Neural Networks", "Krizhevsky, Sutskever and Hinton", 2012,
            new Uri("https://papers.nips.cc/paper/4824-imagenet-classification-with-deep-convolutional-neural-networks.pdf")),
        InputOf(AlexNetVariant.Paper), DefaultClasses, new(Parameters: 58_289_538, Macs: 1_131_168_288),
        options => new AlexNet(options.NumClasses ?? DefaultClasses, options.InChannels, options.Dropout ?? DefaultDropout));

    /// <summary>The registry's entry for torchvision's network: <c>alexnet-torchvision</c>.</summary>
    public static ModelInfo TorchvisionInfo { get; } = new(
        "alexnet-torchvision", "AlexNet (torchvision)",
        new Paper("One weird trick for parallelizing convolutional neural networks", "Krizhevsky", 2014, new Uri("https://arxiv.org/abs/1404.5997")),
        InputOf(AlexNetVariant.Torchvision), DefaultClasses, new(Parameters: 57_012_034, Macs: 710_100_672),
        options => new AlexNet(options.NumClasses ?? DefaultClasses, options.InChannels, options.Dropout ?? DefaultDropout, AlexNetVariant.Torchvision),
        weights: [ImageNet1K]);

    /// <summary>Which AlexNet this is.</summary>
    public AlexNetVariant Variant { get; }

    /// <summary>The classifier called whole, so that hooks on it fire, as in torchvision.</summary>
    private protected override Tensor ForwardRows(Tensor input) => classifier.call(Convolutions(input)); // N x numClasses

    private protected override Tensor ForwardFeatureRows(Tensor input)
    {
        Tensor x = Convolutions(input);
        foreach (var layer in classifierLayers[..^1])
        {
            x = layer.call(x);             // dropout6, fc6, ReLU, dropout7, fc7, ReLU: N x 4096
        }

        return x;
    }

    private protected override Tensor ForwardHeadRows(Tensor features) => classifierLayers[^1].call(features); // fc8: N x numClasses

    private Tensor Convolutions(Tensor input)
    {
        Tensor x = features.call(input);   // N x 256 x 6 x 6
        if (avgpool is not null)
        {
            x = avgpool.call(x);           // N x 256 x 6 x 6
        }

        return x.flatten(1);               // N x 9216
    }

    /// <summary>The paper's 227×227 input; torchvision's 224×224, and from 63×63 up thanks to its adaptive pool.</summary>
    private static InputShape InputOf(AlexNetVariant variant) =>
        variant == AlexNetVariant.Paper ? new InputShape(3, 227, 227) : new InputShape(3, 224, 224, MinSize: 63);
}
