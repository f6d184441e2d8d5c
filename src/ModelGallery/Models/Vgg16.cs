using ModelGallery.Modeling;
using ModelGallery.Data;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// VGG-16 (configuration D) from "Very Deep Convolutional Networks for Large-Scale Image Recognition" (Simonyan
/// and Zisserman, 2014): 3×224×224 input, thirteen 3×3 convolutions in five stages, each stage closed by a 2×2
/// max-pool, then three fully connected layers with dropout after the two hidden ones.
/// </summary>
/// <remarks>
/// The network is torchvision's <c>vgg16</c>: its state_dict is key-for-key and shape-for-shape torchvision's
/// (<c>features.0.weight</c> … <c>classifier.6.bias</c>), apart from the class count of the last layer, and like
/// torchvision it pools the last feature map adaptively to 7×7, so inputs other than 224×224 work (from 32×32 up).
/// At 224×224 that pool is the identity, which is why the README table has no row for it.
/// </remarks>
public sealed class Vgg16 : GalleryModel
{
    /// <summary>The class count when none is given.</summary>
    private const int DefaultClasses = 2;

    /// <summary>The dropout probability when none is given (paper and torchvision).</summary>
    private const double DefaultDropout = 0.5;

    /// <summary>Configuration D of the paper's Table 1, stage by stage.</summary>
    private static IReadOnlyList<VggStage> Configuration { get; } =
    [
        new(Convs: 2, Filters: 64),
        new(Convs: 2, Filters: 128),
        new(Convs: 3, Filters: 256),
        new(Convs: 3, Filters: 512),
        new(Convs: 3, Filters: 512),
    ];

    private Sequential features = null!;
    private AdaptiveAvgPool2d avgpool = null!;
    private Sequential classifier = null!;
    private nn.Module<Tensor, Tensor>[] classifierLayers = null!;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the 224×224 input.</param>
    /// <param name="dropout">Dropout probability after each hidden fully connected layer, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public Vgg16(int numClasses = DefaultClasses, int inChannels = 3, double dropout = DefaultDropout)
        : base(nameof(Vgg16), TableInput with { Channels = inChannels }, numClasses)
    {
        Build(() =>
        {
            var dropout6 = Layer.Dropout(dropout);
            var dropout7 = Layer.Dropout(dropout);
            List<ModelStage> stages = [];
            var convolutions = new SequentialStages(nameof(features), stages);
            long channels = inChannels;
            for (int stage = 1; stage <= Configuration.Count; stage++)
            {
                VggStage config = Configuration[stage - 1];
                for (int conv = 1; conv <= config.Convs; conv++)
                {
                    convolutions.Row($"conv{stage}_{conv}", Layer.Conv(channels, new ConvSpec(config.Filters, Kernel: 3, Padding: 1)), Layer.ReLU());
                    channels = config.Filters;
                }

                convolutions.Row($"pool{stage}", Layer.MaxPool(new PoolSpec(Kernel: 2, Stride: 2)));
            }

            features = convolutions.Build(); // 224 -> 112 -> 56 -> 28 -> 14 -> 7
            avgpool = nn.AdaptiveAvgPool2d(7);
            classifier = new SequentialStages(nameof(classifier), stages)
                .Row("fc6", Layer.Dense(512 * 7 * 7, 4096), Layer.ReLU())
                .Row("dropout6", dropout6)
                .Row("fc7", Layer.Dense(4096, 4096), Layer.ReLU())
                .Row("dropout7", dropout7)
                .Row("fc8", Layer.Dense(4096, numClasses))
                .Build();
            RegisterComponents();
            classifierLayers = [.. classifier.children().Cast<nn.Module<Tensor, Tensor>>()]; // after registering: a view, not more modules
            Stages = stages;
            ClassifierModules = ["classifier.6"];
        });
    }

    /// <summary>torchvision's ImageNet-1K weights (<c>VGG16_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<Vgg16> ImageNet1K { get; } = PretrainedWeights<Vgg16>.ImageNet1K(
        "vgg16", classes => new Vgg16(classes), "VGG16_Weights.IMAGENET1K_V1",
        "https://download.pytorch.org/models/vgg16-397923af.pth", bytes: 553_433_881, parameters: 138_357_544, minSize: 32,
        top1: 71.592, top5: 90.382, recipe: "https://github.com/pytorch/vision/tree/main/references/classification#alexnet-and-vgg");

    /// <summary>The registry's entry: <c>vgg16</c>.</summary>
    public static ModelInfo Info { get; } = new(
        "vgg16", "VGG-16",
        new Paper("Very Deep Convolutional Networks for Large-Scale Image Recognition", "Simonyan and Zisserman", 2014, new Uri("https://arxiv.org/abs/1409.1556")),
        TableInput, DefaultClasses, new(Parameters: 134_268_738, Macs: 15_466_176_512),
        options => new Vgg16(options.NumClasses ?? DefaultClasses, options.InChannels, options.Dropout ?? DefaultDropout),
        weights: [ImageNet1K]);

    /// <summary>224×224 as in the paper; from 32×32 up thanks to the adaptive pool.</summary>
    private static InputShape TableInput => new(3, 224, 224, MinSize: 32);

    /// <summary>The classifier called whole, so that hooks on it fire, as in torchvision.</summary>
    private protected override Tensor ForwardRows(Tensor input) => classifier.call(Convolutions(input)); // N x numClasses

    private protected override Tensor ForwardFeatureRows(Tensor input)
    {
        Tensor x = Convolutions(input);
        foreach (var layer in classifierLayers[..^1])
        {
            x = layer.call(x);           // fc6, ReLU, dropout, fc7, ReLU, dropout: N x 4096
        }

        return x;
    }

    private protected override Tensor ForwardHeadRows(Tensor features) => classifierLayers[^1].call(features); // fc8: N x numClasses

    private Tensor Convolutions(Tensor input)
    {
        Tensor x = features.call(input); // N x 512 x 7 x 7 (at 224 x 224)
        x = avgpool.call(x);             // N x 512 x 7 x 7
        return x.flatten(1);             // N x 25088
    }
}
