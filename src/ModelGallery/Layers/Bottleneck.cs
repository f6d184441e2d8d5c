using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// ResNet's bottleneck block (Table 1 of the paper, ResNet-50/101/152): a 1×1 convolution down to the block's width,
/// a 3×3 convolution, and a 1×1 convolution up to four times the width, each with batch norm, plus the shortcut.
/// Children are named as torchvision names them (<c>conv1</c>…<c>bn3</c>, <c>relu</c>, <c>downsample</c>).
/// </summary>
/// <remarks>
/// As torchvision's ("ResNet v1.5"), the block's stride is on the 3×3 convolution; the paper puts it on the first
/// 1×1 convolution. Parameter counts are the same; torchvision reports slightly higher accuracy this way.
/// </remarks>
public sealed class Bottleneck : ResidualBlock
{
    /// <summary>How many times the width the block's output has.</summary>
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="width">Channels of the 1×1 reduction and the 3×3 convolution; the output has <see cref="Expansion"/> times as many.</param>
    /// <param name="stride">Stride of the 3×3 convolution (and of the projection), 1 or 2.</param>
    public Bottleneck(long inChannels, long width, long stride = 1)
        : base(nameof(Bottleneck))
    {
        conv1 = nn.Conv2d(inChannels, width, 1, bias: false);
        bn1 = nn.BatchNorm2d(width);
        conv2 = nn.Conv2d(width, width, 3, stride: stride, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width);
        conv3 = nn.Conv2d(width, width * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(width * Expansion);
        relu = Layer.ReLU();
        downsample = Projection(inChannels, width * Expansion, stride);
        RegisterComponents();
    }

    /// <inheritdoc/>
    internal override IReadOnlyList<(Conv2d Conv, BatchNorm2d Norm)> MainPath => [(conv1, bn1), (conv2, bn2), (conv3, bn3)];

    /// <inheritdoc/>
    internal override Sequential? Shortcut => downsample;

    /// <inheritdoc/>
    private protected override ReLU Relu => relu;
}
