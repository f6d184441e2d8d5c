using System.Runtime.CompilerServices;
using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// Factories that turn the typed specifications of a README row into TorchSharp modules. They know no model:
/// every model in <c>ModelGallery.Models</c> is written with them.
/// </summary>
public static class Layer
{
    /// <summary>A convolution with bias, as <paramref name="spec"/> states it.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Filters, kernel, stride and padding.</param>
    /// <exception cref="InsufficientMemoryException">The weights do not fit in memory.</exception>
    public static Conv2d Conv(long inChannels, ConvSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        TorchRuntime.EnsureLoaded(nameof(Conv));
        try
        {
            return nn.Conv2d(inChannels, spec.Filters, spec.Kernel, stride: spec.Stride, padding: spec.Padding);
        }
        catch (Exception e) when (NativeMemory.IsAllocationFailure(e))
        {
            double bytes = 4.0 * spec.Filters * ((inChannels * spec.Kernel * spec.Kernel) + 1);
            throw NativeMemory.Failure($"Cannot allocate a {inChannels:N0} → {spec.Filters:N0} channel {spec.Kernel}×{spec.Kernel} convolution ({NativeMemory.Bytes(bytes)} of float32 weights)", e);
        }
    }

    /// <summary>A max-pooling layer, as <paramref name="spec"/> states it.</summary>
    /// <param name="spec">Window, stride, padding and rounding.</param>
    public static MaxPool2d MaxPool(PoolSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return nn.MaxPool2d(spec.Kernel, stride: spec.Stride, padding: spec.Padding, ceil_mode: spec.CeilMode);
    }

    /// <summary>An average-pooling layer, as <paramref name="spec"/> states it.</summary>
    /// <param name="spec">Window, stride, padding and rounding.</param>
    public static AvgPool2d AvgPool(PoolSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return nn.AvgPool2d(spec.Kernel, stride: spec.Stride, padding: spec.Padding, ceil_mode: spec.CeilMode);
    }

    /// <summary>Local response normalisation across channels, as <paramref name="spec"/> states it (a fast form of <c>nn.LocalResponseNorm</c> with the same values).</summary>
    /// <param name="spec">Size, alpha, beta and k.</param>
    public static nn.Module<Tensor, Tensor> Lrn(LrnSpec spec) => new FastLocalResponseNorm(spec);

    /// <summary>
    /// A ReLU that works in place: it follows a convolution, batch norm or linear layer whose output nothing else reads
    /// (and whose backward does not need it), so it saves an allocation and a pass over memory per layer, as
    /// torchvision's <c>inplace=True</c> does. Its output is the tensor it was given.
    /// </summary>
    public static ReLU ReLU() => nn.ReLU(inplace: true);

    /// <summary>
    /// A "convolution then ReLU" block: plain (<see cref="ConvReLU"/>, the convolution with bias) or with batch norm
    /// between them (<see cref="ConvBnReLU"/>, the convolution without bias, ε = 0.001 as torchvision's GoogLeNet).
    /// </summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="spec">Filters, kernel, stride and padding.</param>
    /// <param name="batchNorm">Whether a batch norm sits between the convolution and the ReLU.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size in <paramref name="spec"/> or <paramref name="inChannels"/> is out of range.</exception>
    /// <exception cref="InsufficientMemoryException">The weights do not fit in memory.</exception>
    public static nn.Module<Tensor, Tensor> ConvBlock(long inChannels, ConvSpec spec, bool batchNorm) =>
        batchNorm ? new ConvBnReLU(inChannels, spec) : new ConvReLU(inChannels, spec);

    /// <summary>A fully connected layer with bias.</summary>
    /// <param name="inFeatures">Size of each input vector.</param>
    /// <param name="outFeatures">Size of each output vector.</param>
    /// <exception cref="InsufficientMemoryException">The weights do not fit in memory.</exception>
    public static Linear Dense(long inFeatures, long outFeatures)
    {
        try
        {
            return nn.Linear(inFeatures, outFeatures);
        }
        catch (Exception e) when (NativeMemory.IsAllocationFailure(e))
        {
            double bytes = 4.0 * outFeatures * (inFeatures + 1);
            throw NativeMemory.Failure($"Cannot allocate a fully connected layer of {inFeatures:N0} → {outFeatures:N0} features ({NativeMemory.Bytes(bytes)} of float32 weights)", e);
        }
    }

    /// <summary>Dropout with probability <paramref name="p"/>, checked to lie in [0, 1): the one place that rule lives.</summary>
    /// <param name="p">Probability of zeroing an element during training.</param>
    /// <param name="paramName">The caller's name for <paramref name="p"/>, for the error message.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is outside [0, 1).</exception>
    public static Dropout Dropout(double p, [CallerArgumentExpression(nameof(p))] string paramName = "p")
    {
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, p, $"{paramName} must lie in [0, 1); received {p}.");
        }

        return nn.Dropout(p);
    }
}
