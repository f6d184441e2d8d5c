using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// A convolution followed by a ReLU. Its children are named <c>conv</c> and <c>relu</c>, so its weights appear
/// in a state_dict as <c>….conv.weight</c> and <c>….conv.bias</c>, as in torchvision's GoogLeNet.
/// </summary>
public sealed class ConvReLU : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly ReLU relu;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Filters, kernel, stride and padding of the convolution.</param>
    public ConvReLU(long inChannels, ConvSpec spec)
        : base(TorchRuntime.EnsureLoaded(nameof(ConvReLU)))
    {
        conv = Layer.Conv(inChannels, spec);
        relu = Layer.ReLU();
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        return relu.call(conv.call(input)); // in place: the convolution's output becomes the result
    }
}
