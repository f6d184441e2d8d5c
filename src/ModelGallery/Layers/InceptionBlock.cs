using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// The Inception module of "Going Deeper with Convolutions" (Szegedy et al., 2014): four parallel branches
/// whose outputs are concatenated on the channel axis. Spatial size is preserved.
/// <list type="bullet">
/// <item><c>branch1</c>: 1×1 convolution.</item>
/// <item><c>branch2</c>: 1×1 reduction, then 3×3 convolution (padding 1).</item>
/// <item><c>branch3</c>: 1×1 reduction, then 5×5 convolution (padding 2), as in the paper.</item>
/// <item><c>branch4</c>: 3×3 max-pool (stride 1, padding 1), then 1×1 projection.</item>
/// </list>
/// ReLU follows every convolution (with batch norm before it when built with <c>batchNorm</c>, as torchvision's).
/// Branch names follow torchvision, so state_dict keys read <c>branch2.1.conv.weight</c> and so on.
/// </summary>
/// <remarks>
/// torchvision's GoogLeNet uses a 3×3 convolution in the third branch (pytorch/vision#906); pass
/// <c>branch3Kernel: 3</c> for that, the default is the paper's 5×5.
/// </remarks>
public sealed class InceptionBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> branch1;
    private readonly Sequential branch2;
    private readonly Sequential branch3;
    private readonly Sequential branch4;

    /// <summary>Creates the module.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="config">Filter counts of the branches.</param>
    /// <param name="batchNorm">Convolutions with batch norm (torchvision) instead of plain ones (paper, default).</param>
    /// <param name="branch3Kernel">Kernel of the third branch's second convolution: 5 (paper) or 3 (torchvision).</param>
    /// <exception cref="ArgumentOutOfRangeException">A channel or filter count is not positive, or the kernel is not 3 or 5.</exception>
    public InceptionBlock(long inChannels, InceptionConfig config, bool batchNorm = false, int branch3Kernel = 5)
        : base(TorchRuntime.EnsureLoaded(nameof(InceptionBlock)))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (branch3Kernel is not (3 or 5))
        {
            throw new ArgumentOutOfRangeException(nameof(branch3Kernel), branch3Kernel, $"The third Inception branch has a 5×5 (paper) or 3×3 (torchvision) kernel; received {branch3Kernel}.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        int[] counts = [config.Ch1x1, config.Ch3x3Reduce, config.Ch3x3, config.Ch5x5Reduce, config.Ch5x5, config.PoolProj];
        if (counts.Any(count => count <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(config), config, $"Every filter count of an Inception module must be positive; received {config}.");
        }

        branch1 = Layer.ConvBlock(inChannels, new ConvSpec(config.Ch1x1, Kernel: 1), batchNorm);
        branch2 = nn.Sequential(
            Layer.ConvBlock(inChannels, new ConvSpec(config.Ch3x3Reduce, Kernel: 1), batchNorm),
            Layer.ConvBlock(config.Ch3x3Reduce, new ConvSpec(config.Ch3x3, Kernel: 3, Padding: 1), batchNorm));
        branch3 = nn.Sequential(
            Layer.ConvBlock(inChannels, new ConvSpec(config.Ch5x5Reduce, Kernel: 1), batchNorm),
            Layer.ConvBlock(config.Ch5x5Reduce, new ConvSpec(config.Ch5x5, Kernel: branch3Kernel, Padding: branch3Kernel / 2), batchNorm));
        branch4 = nn.Sequential(
            Layer.MaxPool(new PoolSpec(Kernel: 3, Stride: 1, Padding: 1, CeilMode: true)),
            Layer.ConvBlock(inChannels, new ConvSpec(config.PoolProj, Kernel: 1), batchNorm));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using Tensor b1 = branch1.call(input);
        using Tensor b2 = branch2.call(input);
        using Tensor b3 = branch3.call(input);
        using Tensor b4 = branch4.call(input);
        return cat([b1, b2, b3, b4], dim: 1);
    }
}
