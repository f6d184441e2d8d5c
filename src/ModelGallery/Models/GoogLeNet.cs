using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// GoogLeNet (Inception v1), from "Going Deeper with Convolutions" (Szegedy et al., 2014), per the paper's
/// Table 1: 3×224×224 input, a convolutional stem with local response normalisation, nine
/// <see cref="InceptionBlock"/>s, 7×7 average pooling, dropout 0.4 and a linear classifier. No batch norm.
/// </summary>
/// <remarks>
/// Submodules carry torchvision's names (<c>conv1</c>, <c>maxpool1</c>, <c>inception3a</c>…<c>branch1</c>…,
/// <c>fc</c>). Differences from torchvision's <c>googlenet</c>: no batch norm (so every convolution has a bias),
/// the paper's 5×5 convolution in the third Inception branch instead of 3×3, the two LRN layers of the paper's
/// Caffe model (size 5, α 1e-4, β 0.75, k 1), a 3×3 last max-pool (torchvision: 2×2), a fixed 7×7 average pool,
/// dropout applied before flattening, and no auxiliary classifiers.
/// </remarks>
public sealed class GoogLeNet : GalleryModel
{
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

    private readonly ConvReLU conv1;
    private readonly MaxPool2d maxpool1;
    private readonly LocalResponseNorm lrn1;
    private readonly ConvReLU conv2;
    private readonly ConvReLU conv3;
    private readonly LocalResponseNorm lrn2;
    private readonly MaxPool2d maxpool2;
    private readonly InceptionBlock inception3a;
    private readonly InceptionBlock inception3b;
    private readonly MaxPool2d maxpool3;
    private readonly InceptionBlock inception4a;
    private readonly InceptionBlock inception4b;
    private readonly InceptionBlock inception4c;
    private readonly InceptionBlock inception4d;
    private readonly InceptionBlock inception4e;
    private readonly MaxPool2d maxpool4;
    private readonly InceptionBlock inception5a;
    private readonly InceptionBlock inception5b;
    private readonly AvgPool2d avgpool;
    private readonly Dropout dropout;
    private readonly Linear fc;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the 224×224 input.</param>
    /// <param name="dropout">Dropout probability before the classifier, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public GoogLeNet(int numClasses = 2, int inChannels = 3, double dropout = 0.4)
        : base(nameof(GoogLeNet), inChannels, 224, 224, numClasses)
    {
        CheckDropout(dropout, nameof(dropout));
        conv1 = new ConvReLU(inChannels, new ConvSpec(Filters: 64, Kernel: 7, Stride: 2, Padding: 3));
        maxpool1 = Layer.MaxPool(StridedPool);
        lrn1 = Layer.Lrn(PaperLrn);
        conv2 = new ConvReLU(64, new ConvSpec(Filters: 64, Kernel: 1));
        conv3 = new ConvReLU(64, new ConvSpec(Filters: 192, Kernel: 3, Padding: 1));
        lrn2 = Layer.Lrn(PaperLrn);
        maxpool2 = Layer.MaxPool(StridedPool);
        inception3a = new InceptionBlock(192, Inception3a);
        inception3b = new InceptionBlock(Inception3a.OutChannels, Inception3b);
        maxpool3 = Layer.MaxPool(StridedPool);
        inception4a = new InceptionBlock(Inception3b.OutChannels, Inception4a);
        inception4b = new InceptionBlock(Inception4a.OutChannels, Inception4b);
        inception4c = new InceptionBlock(Inception4b.OutChannels, Inception4c);
        inception4d = new InceptionBlock(Inception4c.OutChannels, Inception4d);
        inception4e = new InceptionBlock(Inception4d.OutChannels, Inception4e);
        maxpool4 = Layer.MaxPool(StridedPool);
        inception5a = new InceptionBlock(Inception4e.OutChannels, Inception5a);
        inception5b = new InceptionBlock(Inception5a.OutChannels, Inception5b);
        avgpool = Layer.AvgPool(new PoolSpec(Kernel: 7, Stride: 1));
        this.dropout = Layer.Dropout(dropout);
        fc = Layer.Dense(Inception5b.OutChannels, numClasses);
        RegisterComponents();
        Stages = [.. named_children().Select(child => new ModelStage(child.name, [child.name]))];
    }

    private protected override Tensor ForwardRows(Tensor input)
    {
        Tensor x = conv1.call(input); // N x 64 x 112 x 112
        x = maxpool1.call(x);         // N x 64 x 56 x 56
        x = lrn1.call(x);             // N x 64 x 56 x 56
        x = conv2.call(x);            // N x 64 x 56 x 56
        x = conv3.call(x);            // N x 192 x 56 x 56
        x = lrn2.call(x);             // N x 192 x 56 x 56
        x = maxpool2.call(x);         // N x 192 x 28 x 28
        x = inception3a.call(x);      // N x 256 x 28 x 28
        x = inception3b.call(x);      // N x 480 x 28 x 28
        x = maxpool3.call(x);         // N x 480 x 14 x 14
        x = inception4a.call(x);      // N x 512 x 14 x 14
        x = inception4b.call(x);      // N x 512 x 14 x 14
        x = inception4c.call(x);      // N x 512 x 14 x 14
        x = inception4d.call(x);      // N x 528 x 14 x 14
        x = inception4e.call(x);      // N x 832 x 14 x 14
        x = maxpool4.call(x);         // N x 832 x 7 x 7
        x = inception5a.call(x);      // N x 832 x 7 x 7
        x = inception5b.call(x);      // N x 1024 x 7 x 7
        x = avgpool.call(x);          // N x 1024 x 1 x 1
        x = dropout.call(x);          // N x 1024 x 1 x 1
        x = x.flatten(1);             // N x 1024
        return fc.call(x);            // N x numClasses
    }
}
