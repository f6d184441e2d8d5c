using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>How a network builds its "convolution then ReLU" blocks: plain (<see cref="ConvReLU"/>) or with batch norm (<see cref="ConvBnReLU"/>).</summary>
/// <param name="BatchNorm">Batch norm between the convolution (then without bias) and the ReLU.</param>
/// <param name="Eps">The batch norm's epsilon.</param>
public sealed record ConvBlockStyle(bool BatchNorm, double Eps = 1e-3)
{
    /// <summary>Convolution with bias, then ReLU.</summary>
    public static ConvBlockStyle Plain { get; } = new(BatchNorm: false);

    /// <summary>Convolution without bias, batch norm (ε = 0.001), then ReLU, as torchvision's GoogLeNet.</summary>
    public static ConvBlockStyle WithBatchNorm { get; } = new(BatchNorm: true);

    /// <summary>Builds one block in this style.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Filters, kernel, stride and padding.</param>
    public nn.Module<Tensor, Tensor> Create(long inChannels, ConvSpec spec) =>
        BatchNorm ? new ConvBnReLU(inChannels, spec, Eps) : new ConvReLU(inChannels, spec);
}
