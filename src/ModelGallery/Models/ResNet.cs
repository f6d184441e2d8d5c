using ModelGallery.Data;
using ModelGallery.Inspection;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// ResNet, from "Deep Residual Learning for Image Recognition" (He, Zhang, Ren and Sun, 2015), as torchvision builds
/// it: a 7×7 convolution and a max-pool, four stages of <see cref="ResidualBlock"/>s (Table 1: conv2_x … conv5_x, the
/// first block of stages 3–5 halving the size), global average pooling and a fully connected classifier. Every
/// convolution is followed by batch norm and has no bias.
/// </summary>
/// <remarks>
/// Submodules carry torchvision's names (<c>conv1</c>, <c>bn1</c>, <c>layer1</c>…<c>layer4</c>, <c>fc</c>), so the
/// state_dict is torchvision's <c>resnet18</c>/<c>resnet50</c> key for key. As in torchvision, the shortcut of a block
/// that changes the shape is a 1×1 projection with batch norm (the paper's option B), and a bottleneck's stride sits
/// on its 3×3 convolution ("ResNet v1.5"; the paper puts it on the first 1×1).
/// </remarks>
public sealed class ResNet : GalleryModel, IFoldsBatchNorm
{
    /// <summary>The class count when none is given.</summary>
    private const int DefaultClasses = 2;

    private static readonly Dictionary<int, Depth> Depths = new()
    {
        [18] = new(Blocks: [2, 2, 2, 2], Expansion: 1, (inputs, width, stride) => new BasicBlock(inputs, width, stride)),
        [50] = new(Blocks: [3, 4, 6, 3], Expansion: Bottleneck.Expansion, (inputs, width, stride) => new Bottleneck(inputs, width, stride)),
    };

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private FoldedConv? stem;
    private readonly Linear fc;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="depth">Weighted layers: 18 (basic blocks) or 50 (bottleneck blocks).</param>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range, or the depth is not one of the known ones.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public ResNet(int depth, int numClasses = DefaultClasses, int inChannels = 3)
        : base(nameof(ResNet), TableInput with { Channels = inChannels }, numClasses)
    {
        try
        {
            var config = Depths.TryGetValue(depth, out var known) ? known
                : throw new ArgumentOutOfRangeException(nameof(depth), depth, $"depth must be one of {string.Join(", ", Depths.Keys)}; received {depth}.");
            long channels = 64;
            Sequential Stage(int blocks, long width, long stride)
            {
                var stage = nn.Sequential([.. Enumerable.Range(0, blocks).Select(i => config.Block(i == 0 ? channels : width * config.Expansion, width, i == 0 ? stride : 1))]);
                channels = width * config.Expansion;
                return stage;
            }

            conv1 = nn.Conv2d(inChannels, 64, 7, stride: 2, padding: 3, bias: false);
            bn1 = nn.BatchNorm2d(64);
            relu = Layer.ReLU();
            maxpool = Layer.MaxPool(new PoolSpec(Kernel: 3, Stride: 2, Padding: 1));
            layer1 = Stage(config.Blocks[0], 64, stride: 1);
            layer2 = Stage(config.Blocks[1], 128, stride: 2);
            layer3 = Stage(config.Blocks[2], 256, stride: 2);
            layer4 = Stage(config.Blocks[3], 512, stride: 2);
            avgpool = nn.AdaptiveAvgPool2d(1);
            fc = Layer.Dense(channels, numClasses);
            RegisterComponents();
            Stages =
            [
                new("conv1", [nameof(conv1), nameof(bn1), nameof(relu)]),
                new("maxpool", [nameof(maxpool)]),
                new("conv2_x", [nameof(layer1)]),
                new("conv3_x", [nameof(layer2)]),
                new("conv4_x", [nameof(layer3)]),
                new("conv5_x", [nameof(layer4)]),
                new("avgpool", [nameof(avgpool)]),
                new("fc", [nameof(fc)]),
            ];
            ClassifierModules = [nameof(fc)];
        }
        catch (Exception e) when (e is InsufficientMemoryException or ArgumentOutOfRangeException)
        {
            throw Named(e);
        }
    }

    /// <summary>torchvision's ImageNet-1K weights for ResNet-18 (<c>ResNet18_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet18ImageNet1K { get; } = PretrainedWeights<ResNet>.ImageNet1K(
        "resnet18", classes => new ResNet(18, classes), "ResNet18_Weights.IMAGENET1K_V1",
        "https://download.pytorch.org/models/resnet18-f37072fd.pth", bytes: 46_830_571, parameters: 11_689_512, minSize: 1,
        top1: 69.758, top5: 89.078, recipe: "https://github.com/pytorch/vision/tree/main/references/classification#resnet");

    /// <summary>torchvision's first ImageNet-1K weights for ResNet-50 (<c>ResNet50_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet50ImageNet1K { get; } = PretrainedWeights<ResNet>.ImageNet1K(
        "resnet50", classes => new ResNet(50, classes), "ResNet50_Weights.IMAGENET1K_V1",
        "https://download.pytorch.org/models/resnet50-0676ba61.pth", bytes: 102_530_333, parameters: 25_557_032, minSize: 1,
        top1: 76.130, top5: 92.862, recipe: "https://github.com/pytorch/vision/tree/main/references/classification#resnet", isDefault: false);

    /// <summary>
    /// torchvision's improved ImageNet-1K weights for ResNet-50 (<c>ResNet50_Weights.IMAGENET1K_V2</c>, its default),
    /// evaluated after resizing to 232, not 256.
    /// </summary>
    public static PretrainedWeights<ResNet> ResNet50ImageNet1KV2 { get; } = PretrainedWeights<ResNet>.ImageNet1K(
        "resnet50", classes => new ResNet(50, classes), "ResNet50_Weights.IMAGENET1K_V2",
        "https://download.pytorch.org/models/resnet50-11ad3fa6.pth", bytes: 102_540_417, parameters: 25_557_032, minSize: 1,
        top1: 80.858, top5: 95.434, recipe: "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621", tag: "imagenet1k-v2", resizeSize: 232);

    /// <summary>The registry's entry for ResNet-18: <c>resnet18</c>.</summary>
    public static ModelInfo ResNet18Info { get; } = new(
        "resnet18", "ResNet-18", ThePaper, TableInput, DefaultClasses, options => Create(18, options),
        weights: [ResNet18ImageNet1K]);

    /// <summary>The registry's entry for ResNet-50: <c>resnet50</c>.</summary>
    public static ModelInfo ResNet50Info { get; } = new(
        "resnet50", "ResNet-50", ThePaper, TableInput, DefaultClasses, options => Create(50, options),
        weights: [ResNet50ImageNet1KV2, ResNet50ImageNet1K]);

    /// <summary>224×224 as in the paper; from 32×32 up thanks to the adaptive pool (five halvings leave 1×1).</summary>
    private static InputShape TableInput => new(3, 224, 224, MinSize: 32);

    private static Paper ThePaper => new("Deep Residual Learning for Image Recognition", "He, Zhang, Ren and Sun", 2015, new Uri("https://arxiv.org/abs/1512.03385"));

    private protected override Tensor ForwardRows(Tensor input)
    {
        Tensor x = relu.call(stem is not null && !training ? stem.Forward(input) : bn1.call(conv1.call(input))); // N x 64 x 112 x 112
        x = maxpool.call(x);                                // N x 64 x 56 x 56
        x = layer1.call(x);                                 // N x 64·e x 56 x 56 (e: 1 basic, 4 bottleneck)
        x = layer2.call(x);                                 // N x 128·e x 28 x 28
        x = layer3.call(x);                                 // N x 256·e x 14 x 14
        x = layer4.call(x);                                 // N x 512·e x 7 x 7
        x = avgpool.call(x).flatten(1);                     // N x 512·e
        return fc.call(x);                                  // N x numClasses
    }

    private static ResNet Create(int depth, ModelOptions options) => options.Dropout is { } dropout
        ? throw new ArgumentException($"ResNet has no dropout; received Dropout = {dropout}.", nameof(options))
        : new ResNet(depth, options.NumClasses ?? DefaultClasses, options.InChannels);

    /// <summary>One depth of Table 1: blocks per stage, the block's channel expansion, and the block itself.</summary>
    private sealed record Depth(int[] Blocks, int Expansion, Func<long, long, long, ResidualBlock> Block);

    /// <inheritdoc/>
    void IFoldsBatchNorm.FoldBatchNorm() => FoldedConv.Refold(ref stem, conv1, bn1);

    /// <inheritdoc/>
    IEnumerable<FoldedConv> IFoldsBatchNorm.Folded => stem is null ? [] : [stem];

    /// <inheritdoc/>
    void IFoldsBatchNorm.UnfoldBatchNorm() => FoldedConv.Drop(ref stem);
}
