using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// A convolution without bias, batch normalisation and a ReLU: torchvision's <c>BasicConv2d</c>. Its children are
/// named <c>conv</c>, <c>bn</c> and <c>relu</c>, so its state_dict keys match torchvision's
/// (<c>….conv.weight</c>, <c>….bn.running_mean</c>, …).
/// </summary>
public sealed class ConvBnReLU : nn.Module<Tensor, Tensor>, IFoldsBatchNorm
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly ReLU relu;
    private FoldedConv? folded;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Filters, kernel, stride and padding of the convolution.</param>
    /// <param name="eps">The batch norm's epsilon (torchvision's GoogLeNet: 0.001).</param>
    public ConvBnReLU(long inChannels, ConvSpec spec, double eps = 1e-3)
        : base(TorchRuntime.EnsureLoaded(nameof(ConvBnReLU)))
    {
        ArgumentNullException.ThrowIfNull(spec);
        conv = nn.Conv2d(inChannels, spec.Filters, spec.Kernel, stride: spec.Stride, padding: spec.Padding, bias: false);
        bn = nn.BatchNorm2d(spec.Filters, eps: eps);
        relu = Layer.ReLU();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (folded is not null && !training)
        {
            return relu.call(folded.Forward(input)); // in place on the folded convolution's output
        }

        using Tensor x = conv.call(input);
        return relu.call(bn.call(x)); // in place: the batch norm's output becomes the result
    }

    /// <inheritdoc/>
    void IFoldsBatchNorm.FoldBatchNorm() => FoldedConv.Refold(ref folded, conv, bn);

    /// <inheritdoc/>
    IEnumerable<FoldedConv> IFoldsBatchNorm.Folded => folded is null ? [] : [folded];

    /// <inheritdoc/>
    void IFoldsBatchNorm.UnfoldBatchNorm() => FoldedConv.Drop(ref folded);
}
