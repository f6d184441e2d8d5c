using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// ResNet's basic block (Table 1 of the paper, ResNet-18/34): two 3×3 convolutions with batch norm, the first
/// with the block's stride, plus the shortcut. Children are named as torchvision names them (<c>conv1</c>, <c>bn1</c>,
/// <c>relu</c>, <c>conv2</c>, <c>bn2</c>, <c>downsample</c>), so its state_dict keys are torchvision's.
/// </summary>
public sealed class BasicBlock : ResidualBlock
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="channels">Channels of both convolutions and of the output.</param>
    /// <param name="stride">Stride of the first convolution (and of the projection), 1 or 2.</param>
    public BasicBlock(long inChannels, long channels, long stride = 1)
        : base(nameof(BasicBlock))
    {
        conv1 = nn.Conv2d(inChannels, channels, 3, stride: stride, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(channels);
        relu = Layer.ReLU();
        conv2 = nn.Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(channels);
        downsample = Projection(inChannels, channels, stride);
        RegisterComponents();
    }

    /// <inheritdoc/>
    internal override IReadOnlyList<(Conv2d Conv, BatchNorm2d Norm)> MainPath => [(conv1, bn1), (conv2, bn2)];

    /// <inheritdoc/>
    internal override Sequential? Shortcut => downsample;

    /// <inheritdoc/>
    private protected override ReLU Relu => relu;
}
