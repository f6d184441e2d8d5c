using ModelGallery.Modeling;
using ModelGallery.Data;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// GoogLeNet (Inception v1), from "Going Deeper with Convolutions" (Szegedy et al., 2014). The default
/// <see cref="GoogLeNetVariant.Paper"/> follows the paper's Table 1: 3×224×224 input, a convolutional stem with local
/// response normalisation, nine <see cref="InceptionBlock"/>s, 7×7 average pooling, dropout 0.4 and a linear
/// classifier, no batch norm. <see cref="GoogLeNetVariant.Torchvision"/> is torchvision's <c>googlenet</c>.
/// Both can have the paper's two auxiliary classifiers (<see cref="InceptionAux"/>), which
/// <see cref="ForwardWithAux"/> returns in training mode.
/// </summary>
/// <remarks>
/// Submodules carry torchvision's names (<c>conv1</c>, <c>maxpool1</c>, <c>inception3a</c>…<c>branch1</c>…,
/// <c>aux1</c>, <c>aux2</c>, <c>fc</c>), so the torchvision variant loads torchvision's state_dict key for key.
/// The paper variant differs from torchvision's in: no batch norm (so every convolution has a bias), the paper's
/// 5×5 convolution in the third Inception branch (pytorch/vision#906), the two LRN layers of the paper's Caffe
/// model (size 5, α 1e-4, β 0.75, k 1), a 3×3 last max-pool (torchvision: 2×2), a fixed 7×7 average pool, and
/// dropout 0.4 applied before flattening. <c>forward</c> always returns the main logits alone.
/// </remarks>
public sealed class GoogLeNet : GalleryModel, IAuxiliaryClassifiers
{
    /// <summary>The class count when none is given.</summary>
    private const int DefaultClasses = 2;

    /// <summary>ImageNet's per-channel mean, which torchvision's weights were trained with and <c>transformInput</c> undoes.</summary>
    private static readonly double[] ImageNetMean = [0.485, 0.456, 0.406];

    /// <summary>ImageNet's per-channel standard deviation.</summary>
    private static readonly double[] ImageNetStd = [0.229, 0.224, 0.225];

    /// <summary>The normalisation of the paper's Caffe model: size 5, α = 1e-4, β = 0.75, k = 1.</summary>
    public static LrnSpec PaperLrn { get; } = new(Size: 5, Alpha: 1e-4, Beta: 0.75, K: 1);

    /// <summary>Inception (3a) of Table 1.</summary>
    public static InceptionConfig Inception3a { get; } = new(Ch1x1: 64, Ch3x3Reduce: 96, Ch3x3: 128, Ch5x5Reduce: 16, Ch5x5: 32, PoolProj: 32);

    /// <summary>Inception (3b) of Table 1.</summary>
    public static InceptionConfig Inception3b { get; } = new(Ch1x1: 128, Ch3x3Reduce: 128, Ch3x3: 192, Ch5x5Reduce: 32, Ch5x5: 96, PoolProj: 64);

    /// <summary>Inception (4a) of Table 1.</summary>
    public static InceptionConfig Inception4a { get; } = new(Ch1x1: 192, Ch3x3Reduce: 96, Ch3x3: 208, Ch5x5Reduce: 16, Ch5x5: 48, PoolProj: 64);

    /// <summary>Inception (4b) of Table 1.</summary>
    public static InceptionConfig Inception4b { get; } = new(Ch1x1: 160, Ch3x3Reduce: 112, Ch3x3: 224, Ch5x5Reduce: 24, Ch5x5: 64, PoolProj: 64);

    /// <summary>Inception (4c) of Table 1.</summary>
    public static InceptionConfig Inception4c { get; } = new(Ch1x1: 128, Ch3x3Reduce: 128, Ch3x3: 256, Ch5x5Reduce: 24, Ch5x5: 64, PoolProj: 64);

    /// <summary>Inception (4d) of Table 1.</summary>
    public static InceptionConfig Inception4d { get; } = new(Ch1x1: 112, Ch3x3Reduce: 144, Ch3x3: 288, Ch5x5Reduce: 32, Ch5x5: 64, PoolProj: 64);

    /// <summary>Inception (4e) of Table 1.</summary>
    public static InceptionConfig Inception4e { get; } = new(Ch1x1: 256, Ch3x3Reduce: 160, Ch3x3: 320, Ch5x5Reduce: 32, Ch5x5: 128, PoolProj: 128);

    /// <summary>Inception (5a) of Table 1.</summary>
    public static InceptionConfig Inception5a { get; } = new(Ch1x1: 256, Ch3x3Reduce: 160, Ch3x3: 320, Ch5x5Reduce: 32, Ch5x5: 128, PoolProj: 128);

    /// <summary>Inception (5b) of Table 1.</summary>
    public static InceptionConfig Inception5b { get; } = new(Ch1x1: 384, Ch3x3Reduce: 192, Ch3x3: 384, Ch5x5Reduce: 48, Ch5x5: 128, PoolProj: 128);

    private static readonly PoolSpec StridedPool = new(Kernel: 3, Stride: 2, CeilMode: true);

    [TorchSharp.Utils.ComponentName(Name = "transform_input")]
    private ChannelAffine? transformInput;
    private nn.Module<Tensor, Tensor> conv1 = null!;
    private MaxPool2d maxpool1 = null!;
    private nn.Module<Tensor, Tensor>? lrn1;
    private nn.Module<Tensor, Tensor> conv2 = null!;
    private nn.Module<Tensor, Tensor> conv3 = null!;
    private nn.Module<Tensor, Tensor>? lrn2;
    private MaxPool2d maxpool2 = null!;
    private InceptionBlock inception3a = null!;
    private InceptionBlock inception3b = null!;
    private MaxPool2d maxpool3 = null!;
    private InceptionBlock inception4a = null!;
    private InceptionAux? aux1;
    private InceptionBlock inception4b = null!;
    private InceptionBlock inception4c = null!;
    private InceptionBlock inception4d = null!;
    private InceptionAux? aux2;
    private InceptionBlock inception4e = null!;
    private MaxPool2d maxpool4 = null!;
    private InceptionBlock inception5a = null!;
    private InceptionBlock inception5b = null!;
    private nn.Module<Tensor, Tensor> avgpool = null!;
    private Dropout dropout = null!;
    private Linear fc = null!;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="dropout">Dropout probability before the classifier, in [0, 1); null for the variant's (paper 0.4, torchvision 0.2).</param>
    /// <param name="variant">The paper's network (default) or torchvision's.</param>
    /// <param name="auxClassifiers">Build the two auxiliary classifiers (active in training only, see <see cref="ForwardWithAux"/>).</param>
    /// <param name="transformInput">
    /// torchvision's <c>transform_input</c>: re-normalise inputs from ImageNet's mean and standard deviation to
    /// mean 0.5, standard deviation 0.5, as torchvision's pretrained weights expect. Torchvision variant and 3 channels only.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="transformInput"/> is set for the paper variant or without 3 channels.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public GoogLeNet(int numClasses = DefaultClasses, int inChannels = 3, double? dropout = null, GoogLeNetVariant variant = GoogLeNetVariant.Paper, bool auxClassifiers = false, bool transformInput = false)
        : base(nameof(GoogLeNet), InputOf(variant) with { Channels = inChannels }, numClasses)
    {
        if (transformInput && (variant != GoogLeNetVariant.Torchvision || inChannels != 3))
        {
            throw new ArgumentException($"GoogLeNet: transformInput is torchvision's ImageNet re-normalisation; it needs the Torchvision variant and 3 channels, received variant {variant} with {inChannels} channels.", nameof(transformInput));
        }

        Variant = variant;
        Build(() =>
        {
            bool paper = variant == GoogLeNetVariant.Paper;
            InceptionBlock Inception(long inputs, InceptionConfig config) => new(inputs, config, batchNorm: !paper, branch3Kernel: paper ? 5 : 3);
            this.dropout = Layer.Dropout(dropout ?? (paper ? 0.4 : 0.2), nameof(dropout));
            this.transformInput = transformInput ? ChannelAffine.Renormalisation(ImageNetMean, ImageNetStd, toMean: 0.5, toStd: 0.5) : null;
            conv1 = Layer.ConvBlock(inChannels, new ConvSpec(Filters: 64, Kernel: 7, Stride: 2, Padding: 3), batchNorm: !paper);
            maxpool1 = Layer.MaxPool(StridedPool);
            lrn1 = paper ? Layer.Lrn(PaperLrn) : null;
            conv2 = Layer.ConvBlock(64, new ConvSpec(Filters: 64, Kernel: 1), batchNorm: !paper);
            conv3 = Layer.ConvBlock(64, new ConvSpec(Filters: 192, Kernel: 3, Padding: 1), batchNorm: !paper);
            lrn2 = paper ? Layer.Lrn(PaperLrn) : null;
            maxpool2 = Layer.MaxPool(StridedPool);
            inception3a = Inception(192, Inception3a);
            inception3b = Inception(Inception3a.OutChannels, Inception3b);
            maxpool3 = Layer.MaxPool(StridedPool);
            inception4a = Inception(Inception3b.OutChannels, Inception4a);
            aux1 = auxClassifiers ? new InceptionAux(Inception4a.OutChannels, numClasses, batchNorm: !paper, adaptivePool: !paper) : null;
            inception4b = Inception(Inception4a.OutChannels, Inception4b);
            inception4c = Inception(Inception4b.OutChannels, Inception4c);
            inception4d = Inception(Inception4c.OutChannels, Inception4d);
            aux2 = auxClassifiers ? new InceptionAux(Inception4d.OutChannels, numClasses, batchNorm: !paper, adaptivePool: !paper) : null;
            inception4e = Inception(Inception4d.OutChannels, Inception4e);
            maxpool4 = Layer.MaxPool(paper ? StridedPool : new PoolSpec(Kernel: 2, Stride: 2, CeilMode: true));
            inception5a = Inception(Inception4e.OutChannels, Inception5a);
            inception5b = Inception(Inception5a.OutChannels, Inception5b);
            avgpool = paper ? Layer.AvgPool(new PoolSpec(Kernel: 7, Stride: 1)) : nn.AdaptiveAvgPool2d(1);
            fc = Layer.Dense(Inception5b.OutChannels, numClasses);
            RegisterComponents();
            Stages = [.. named_children().Where(child => child.module is not (InceptionAux or ChannelAffine)).Select(child => new ModelStage(child.name, [child.name]))];
            ClassifierModules = auxClassifiers ? ["fc", "aux1.fc2", "aux2.fc2"] : ["fc"];
            OptionalModules = auxClassifiers ? [] : ["aux1", "aux2"]; // torchvision's files hold them: it builds them to load, then drops them
        });
    }

    /// <summary>
    /// torchvision's ImageNet-1K weights for the torchvision variant (<c>GoogLeNet_Weights.IMAGENET1K_V1</c>), ported
    /// from the paper's model: built with <c>transformInput</c>, as torchvision does; the file's aux heads are skipped.
    /// </summary>
    public static PretrainedWeights<GoogLeNet> ImageNet1K { get; } = PretrainedWeights<GoogLeNet>.ImageNet1K(
        "googlenet-torchvision", classes => new GoogLeNet(classes, variant: GoogLeNetVariant.Torchvision, transformInput: true), "GoogLeNet_Weights.IMAGENET1K_V1",
        "https://download.pytorch.org/models/googlenet-1378be20.pth", bytes: 52_147_035, parameters: 6_624_904, minSize: 15,
        top1: 69.778, top5: 89.530, recipe: "https://github.com/pytorch/vision/tree/main/references/classification#googlenet");

    /// <summary>The registry's entry for the paper's network: <c>googlenet</c>.</summary>
    public static ModelInfo Info { get; } = new(
        "googlenet", "GoogLeNet", ThePaper, InputOf(GoogLeNetVariant.Paper), DefaultClasses, new(Parameters: 5_975_602, Macs: 1_581_649_920),
        options => new GoogLeNet(options.NumClasses ?? DefaultClasses, options.InChannels, options.Dropout));

    /// <summary>The registry's entry for torchvision's network: <c>googlenet-torchvision</c>.</summary>
    public static ModelInfo TorchvisionInfo { get; } = new(
        "googlenet-torchvision", "GoogLeNet (torchvision)", ThePaper, InputOf(GoogLeNetVariant.Torchvision), DefaultClasses, new(Parameters: 5_601_954, Macs: 1_497_354_240),
        options => new GoogLeNet(options.NumClasses ?? DefaultClasses, options.InChannels, options.Dropout, GoogLeNetVariant.Torchvision),
        weights: [ImageNet1K]);

    /// <summary>Which GoogLeNet this is.</summary>
    public GoogLeNetVariant Variant { get; }

    /// <summary>Whether the auxiliary classifiers were built.</summary>
    public bool HasAuxClassifiers => aux1 is not null;

    /// <summary>Whether inputs are re-normalised as torchvision's <c>transform_input</c> does.</summary>
    public bool TransformInput => transformInput is not null;

    private static Paper ThePaper => new("Going Deeper with Convolutions", "Szegedy et al.", 2014, new Uri("https://arxiv.org/abs/1409.4842"));

    /// <summary>
    /// Runs the network and, in training mode with auxiliary classifiers, the two auxiliary heads too (torchvision's
    /// <c>GoogLeNetOutputs</c>). The caller owns the tensors.
    /// </summary>
    /// <param name="input">A batch of images, as for <c>forward</c>.</param>
    /// <returns>
    /// The main classifier's logits (N × classes), and the logits of the heads after Inception 4a (<c>Aux1</c>) and 4d
    /// (<c>Aux2</c>), each null in eval mode or without auxiliary classifiers.
    /// </returns>
    /// <exception cref="ArgumentException">The input does not fit <see cref="GalleryModel.Input"/>.</exception>
    public (Tensor Logits, Tensor? Aux1, Tensor? Aux2) ForwardWithAux(Tensor input) => Guarded(input, nameof(ForwardWithAux), x =>
    {
        var (logits, first, second) = Run(x, withAux: training && HasAuxClassifiers);
        return (Output(logits), first is null ? null : Output(first), second is null ? null : Output(second));
    });

    /// <inheritdoc/>
    AuxiliaryOutputs IAuxiliaryClassifiers.ForwardWithAuxiliary(Tensor input)
    {
        var outputs = ForwardWithAux(input);
        return new AuxiliaryOutputs(outputs.Logits, outputs.Aux1 is { } first && outputs.Aux2 is { } second ? [first, second] : []);
    }

    private protected override Tensor ForwardFeatureRows(Tensor input) => Trunk(input, withAux: false).Features;

    private protected override Tensor ForwardHeadRows(Tensor features) => fc.call(features); // N x numClasses

    /// <summary>224×224 as in Table 1; torchvision's from 15×15 up thanks to its adaptive pools.</summary>
    private static InputShape InputOf(GoogLeNetVariant variant) => new(3, 224, 224, variant == GoogLeNetVariant.Torchvision ? 15 : null);

    private (Tensor Logits, Tensor? Aux1, Tensor? Aux2) Run(Tensor input, bool withAux)
    {
        var (features, first, second) = Trunk(input, withAux);
        return (fc.call(features), first, second); // N x numClasses
    }

    private (Tensor Features, Tensor? Aux1, Tensor? Aux2) Trunk(Tensor input, bool withAux)
    {
        Tensor x = transformInput?.call(input) ?? input; // N x 3 x 224 x 224 (torchvision's transform_input)
        x = conv1.call(x);            // N x 64 x 112 x 112
        x = maxpool1.call(x);         // N x 64 x 56 x 56
        x = lrn1?.call(x) ?? x;       // N x 64 x 56 x 56 (paper)
        x = conv2.call(x);            // N x 64 x 56 x 56
        x = conv3.call(x);            // N x 192 x 56 x 56
        x = lrn2?.call(x) ?? x;       // N x 192 x 56 x 56 (paper)
        x = maxpool2.call(x);         // N x 192 x 28 x 28
        x = inception3a.call(x);      // N x 256 x 28 x 28
        x = inception3b.call(x);      // N x 480 x 28 x 28
        x = maxpool3.call(x);         // N x 480 x 14 x 14
        x = inception4a.call(x);      // N x 512 x 14 x 14
        Tensor? first = withAux ? aux1!.call(x) : null;  // N x numClasses
        x = inception4b.call(x);      // N x 512 x 14 x 14
        x = inception4c.call(x);      // N x 512 x 14 x 14
        x = inception4d.call(x);      // N x 528 x 14 x 14
        Tensor? second = withAux ? aux2!.call(x) : null; // N x numClasses
        x = inception4e.call(x);      // N x 832 x 14 x 14
        x = maxpool4.call(x);         // N x 832 x 7 x 7
        x = inception5a.call(x);      // N x 832 x 7 x 7
        x = inception5b.call(x);      // N x 1024 x 7 x 7
        x = avgpool.call(x);          // N x 1024 x 1 x 1
        x = dropout.call(x);          // N x 1024 x 1 x 1
        return (x.flatten(1), first, second); // N x 1024
    }
}
