using ModelGallery.Modeling;
using ModelGallery.Data;
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
/// state_dict is torchvision's <c>ResNet(block, layers)</c> of the same block counts key for key (<c>resnet18</c> …
/// <c>resnet152</c>). As in torchvision, the shortcut of a block
/// that changes the shape is a 1×1 projection with batch norm (the paper's option B), and a bottleneck's stride sits
/// on its 3×3 convolution ("ResNet v1.5"; the paper puts it on the first 1×1).
/// </remarks>
public sealed class ResNet : GalleryModel, IFoldsBatchNorm
{
    /// <summary>The class count when none is given.</summary>
    private const int DefaultClasses = 2;

    /// <summary>Table 1's depths: torchvision's <c>resnet18</c> … <c>resnet152</c>.</summary>
    private static readonly Dictionary<int, (ResNetBlock Block, int[] Layers)> Depths = new()
    {
        [18] = (ResNetBlock.Basic, [2, 2, 2, 2]),
        [34] = (ResNetBlock.Basic, [3, 4, 6, 3]),
        [50] = (ResNetBlock.Bottleneck, [3, 4, 6, 3]),
        [101] = (ResNetBlock.Bottleneck, [3, 4, 23, 3]),
        [152] = (ResNetBlock.Bottleneck, [3, 8, 36, 3]),
    };

    private Conv2d conv1 = null!;
    private BatchNorm2d bn1 = null!;
    private ReLU relu = null!;
    private MaxPool2d maxpool = null!;
    private Sequential layer1 = null!;
    private Sequential layer2 = null!;
    private Sequential layer3 = null!;
    private Sequential layer4 = null!;
    private AdaptiveAvgPool2d avgpool = null!;
    private FoldedConv? stem;
    private Linear fc = null!;

    /// <summary>Creates one of Table 1's networks with freshly initialised weights.</summary>
    /// <param name="depth">Weighted layers: 18 or 34 (basic blocks), 50, 101 or 152 (bottleneck blocks).</param>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range, or the depth is not one of the known ones.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public ResNet(int depth, int numClasses = DefaultClasses, int inChannels = 3)
        : this(Known(depth).Block, Known(depth).Layers, numClasses, inChannels)
    {
    }

    /// <summary>
    /// Creates a ResNet of any block counts with freshly initialised weights, as torchvision's
    /// <c>ResNet(block, layers)</c>: <c>(Basic, [2, 2, 2, 2])</c> is ResNet-18, <c>(Bottleneck, [3, 4, 6, 3])</c> ResNet-50.
    /// </summary>
    /// <param name="block">The block every stage repeats.</param>
    /// <param name="layers">Blocks in each of the four stages (<c>layer1</c> … <c>layer4</c>), each at least 1.</param>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <exception cref="ArgumentNullException"><paramref name="layers"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="layers"/> does not hold four counts.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A block count is below 1, the block is unknown, or another argument is out of its range.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public ResNet(ResNetBlock block, IReadOnlyList<int> layers, int numClasses = DefaultClasses, int inChannels = 3)
        : base(nameof(ResNet), TableInput with { Channels = inChannels }, numClasses)
    {
        Build(() =>
        {
            int[] blocks = Validated(block, layers);
            int expansion = block == ResNetBlock.Basic ? 1 : Bottleneck.Expansion;
            long channels = 64;
            Sequential Stage(int count, long width, long stride)
            {
                var stage = nn.Sequential([.. Enumerable.Range(0, count).Select(i => block == ResNetBlock.Basic
                    ? (ResidualBlock)new BasicBlock(i == 0 ? channels : width, width, i == 0 ? stride : 1)
                    : new Bottleneck(i == 0 ? channels : width * expansion, width, i == 0 ? stride : 1))]);
                channels = width * expansion;
                return stage;
            }

            conv1 = nn.Conv2d(inChannels, 64, 7, stride: 2, padding: 3, bias: false);
            bn1 = nn.BatchNorm2d(64);
            relu = Layer.ReLU();
            maxpool = Layer.MaxPool(new PoolSpec(Kernel: 3, Stride: 2, Padding: 1));
            layer1 = Stage(blocks[0], 64, stride: 1);
            layer2 = Stage(blocks[1], 128, stride: 2);
            layer3 = Stage(blocks[2], 256, stride: 2);
            layer4 = Stage(blocks[3], 512, stride: 2);
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
        });
    }

    /// <summary>torchvision's ImageNet-1K weights for ResNet-18 (<c>ResNet18_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet18ImageNet1K { get; } = V1(18, "f37072fd", 46_830_571, 11_689_512, 69.758, 89.078, isDefault: true);

    /// <summary>torchvision's ImageNet-1K weights for ResNet-34 (<c>ResNet34_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet34ImageNet1K { get; } = V1(34, "b627a593", 87_319_819, 21_797_672, 73.314, 91.420, isDefault: true);

    /// <summary>torchvision's first ImageNet-1K weights for ResNet-50 (<c>ResNet50_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet50ImageNet1K { get; } = V1(50, "0676ba61", 102_530_333, 25_557_032, 76.130, 92.862);

    /// <summary>
    /// torchvision's improved ImageNet-1K weights for ResNet-50 (<c>ResNet50_Weights.IMAGENET1K_V2</c>, its default),
    /// evaluated after resizing to 232, not 256.
    /// </summary>
    public static PretrainedWeights<ResNet> ResNet50ImageNet1KV2 { get; } =
        V2(50, "11ad3fa6", 102_540_417, 25_557_032, 80.858, 95.434, "https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621");

    /// <summary>torchvision's first ImageNet-1K weights for ResNet-101 (<c>ResNet101_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet101ImageNet1K { get; } = V1(101, "63fe2227", null, 44_549_160, 77.374, 93.546);

    /// <summary>torchvision's improved ImageNet-1K weights for ResNet-101 (<c>ResNet101_Weights.IMAGENET1K_V2</c>, its default), resized to 232.</summary>
    public static PretrainedWeights<ResNet> ResNet101ImageNet1KV2 { get; } =
        V2(101, "cd907fc2", null, 44_549_160, 81.886, 95.780, "https://github.com/pytorch/vision/issues/3995#new-recipe");

    /// <summary>torchvision's first ImageNet-1K weights for ResNet-152 (<c>ResNet152_Weights.IMAGENET1K_V1</c>).</summary>
    public static PretrainedWeights<ResNet> ResNet152ImageNet1K { get; } = V1(152, "394f9c45", null, 60_192_808, 78.312, 94.046);

    /// <summary>torchvision's improved ImageNet-1K weights for ResNet-152 (<c>ResNet152_Weights.IMAGENET1K_V2</c>, its default), resized to 232.</summary>
    public static PretrainedWeights<ResNet> ResNet152ImageNet1KV2 { get; } =
        V2(152, "f82ba261", null, 60_192_808, 82.284, 96.002, "https://github.com/pytorch/vision/issues/3995#new-recipe");

    /// <summary>The registry's entry for ResNet-18: <c>resnet18</c>.</summary>
    public static ModelInfo ResNet18Info { get; } = InfoOf(18, new(Parameters: 11_177_538, Macs: 1_813_562_368), ResNet18ImageNet1K);

    /// <summary>The entry for ResNet-34: <c>resnet34</c>.</summary>
    public static ModelInfo ResNet34Info { get; } = InfoOf(34, new(Parameters: 21_285_698, Macs: 3_663_250_432), ResNet34ImageNet1K);

    /// <summary>The registry's entry for ResNet-50: <c>resnet50</c>.</summary>
    public static ModelInfo ResNet50Info { get; } = InfoOf(50, new(Parameters: 23_512_130, Macs: 4_087_140_352), ResNet50ImageNet1KV2, ResNet50ImageNet1K);

    /// <summary>The entry for ResNet-101: <c>resnet101</c>.</summary>
    public static ModelInfo ResNet101Info { get; } = InfoOf(101, new(Parameters: 42_504_258, Macs: 7_799_361_536), ResNet101ImageNet1KV2, ResNet101ImageNet1K);

    /// <summary>The entry for ResNet-152: <c>resnet152</c>.</summary>
    public static ModelInfo ResNet152Info { get; } = InfoOf(152, new(Parameters: 58_147_906, Macs: 11_511_582_720), ResNet152ImageNet1KV2, ResNet152ImageNet1K);

    /// <summary>224×224 as in the paper; from 32×32 up thanks to the adaptive pool (five halvings leave 1×1).</summary>
    private static InputShape TableInput => new(3, 224, 224, MinSize: 32);

    private static Paper ThePaper => new("Deep Residual Learning for Image Recognition", "He, Zhang, Ren and Sun", 2015, new Uri("https://arxiv.org/abs/1512.03385"));

    private protected override Tensor ForwardFeatureRows(Tensor input)
    {
        Tensor x = relu.call(stem is not null && !training ? stem.Forward(input) : bn1.call(conv1.call(input))); // N x 64 x 112 x 112
        x = maxpool.call(x);                                // N x 64 x 56 x 56
        x = layer1.call(x);                                 // N x 64·e x 56 x 56 (e: 1 basic, 4 bottleneck)
        x = layer2.call(x);                                 // N x 128·e x 28 x 28
        x = layer3.call(x);                                 // N x 256·e x 14 x 14
        x = layer4.call(x);                                 // N x 512·e x 7 x 7
        return avgpool.call(x).flatten(1);                  // N x 512·e
    }

    private protected override Tensor ForwardHeadRows(Tensor features) => fc.call(features); // N x numClasses

    private static ModelInfo InfoOf(int depth, ModelCost cost, params PretrainedWeights[] weights) =>
        new($"resnet{depth}", $"ResNet-{depth}", ThePaper, TableInput, DefaultClasses, cost, options => Create(depth, options), weights: weights);

    /// <summary>A torchvision entry: the file's hash prefix, <c>num_params</c>, acc@1 and acc@5 as its resnet.py lists them.</summary>
    private static PretrainedWeights<ResNet> V1(int depth, string hash, long? bytes, long parameters, double top1, double top5, bool isDefault = false) =>
        PretrainedWeights<ResNet>.ImageNet1K(
            $"resnet{depth}", classes => new ResNet(depth, classes), $"ResNet{depth}_Weights.IMAGENET1K_V1",
            $"https://download.pytorch.org/models/resnet{depth}-{hash}.pth", bytes, parameters, minSize: 1, top1, top5,
            recipe: "https://github.com/pytorch/vision/tree/main/references/classification#resnet", isDefault: isDefault);

    /// <inheritdoc cref="V1"/>
    private static PretrainedWeights<ResNet> V2(int depth, string hash, long? bytes, long parameters, double top1, double top5, string recipe) =>
        PretrainedWeights<ResNet>.ImageNet1K(
            $"resnet{depth}", classes => new ResNet(depth, classes), $"ResNet{depth}_Weights.IMAGENET1K_V2",
            $"https://download.pytorch.org/models/resnet{depth}-{hash}.pth", bytes, parameters, minSize: 1, top1, top5,
            recipe, tag: "imagenet1k-v2", resizeSize: 232);

    private static ResNet Create(int depth, ModelOptions options) => options.Dropout is { } dropout
        ? throw new ArgumentException($"ResNet has no dropout; received Dropout = {dropout}.", nameof(options))
        : new ResNet(depth, options.NumClasses ?? DefaultClasses, options.InChannels);

    private static (ResNetBlock Block, int[] Layers) Known(int depth) => Depths.TryGetValue(depth, out var known) ? known
        : throw new ArgumentOutOfRangeException(nameof(depth), depth, $"ResNet: depth must be one of {string.Join(", ", Depths.Keys)}; received {depth}.");

    private static int[] Validated(ResNetBlock block, IReadOnlyList<int> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (!Enum.IsDefined(block))
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, $"block must be Basic or Bottleneck; received {(int)block}.");
        }

        if (layers.Count != 4)
        {
            throw new ArgumentException($"ResNet: layers must hold 4 block counts (layer1 … layer4); received {layers.Count}: [{string.Join(", ", layers)}].", nameof(layers));
        }

        int stage = layers.ToList().FindIndex(count => count < 1);
        return stage < 0 ? [.. layers] : throw new ArgumentOutOfRangeException(nameof(layers), layers[stage],
            $"every stage needs at least 1 block; received {layers[stage]} for layer{stage + 1} in [{string.Join(", ", layers)}].");
    }

    /// <inheritdoc/>
    void IFoldsBatchNorm.FoldBatchNorm() => FoldedConv.Refold(ref stem, conv1, bn1);

    /// <inheritdoc/>
    IEnumerable<FoldedConv> IFoldsBatchNorm.Folded => stem is null ? [] : [stem];

    /// <inheritdoc/>
    void IFoldsBatchNorm.UnfoldBatchNorm() => FoldedConv.Drop(ref stem);
}
