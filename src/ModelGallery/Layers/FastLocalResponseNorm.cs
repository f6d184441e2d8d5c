using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// Local response normalisation across channels, <c>b = a / (K + Alpha / Size · Σ a²)^Beta</c> with the sum over
/// <see cref="LrnSpec.Size"/> neighbouring channels (zero beyond the edges), computed as a sliding sum of
/// shifted channel slices. It equals <c>nn.LocalResponseNorm</c> (within float rounding, ~1e-7 relative) and runs
/// several times faster on CPU, where libtorch pools over a padded 3-D view instead.
/// </summary>
/// <remarks>
/// Every step is an element-wise operation on the input's own memory order, so it is as fast channels-last (see
/// <c>GalleryModel.UseChannelsLast</c>) as in NCHW: no padding copy, <c>a·a</c> rather than <c>pow</c>, and for the
/// usual β = 0.75 the power as <c>rsqrt(s)·√rsqrt(s)</c> instead of the costlier general <c>pow</c>.
/// </remarks>
internal sealed class FastLocalResponseNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="spec">Size, alpha, beta and k.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public FastLocalResponseNorm(LrnSpec spec)
        : base(nameof(FastLocalResponseNorm))
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Size);
        Spec = spec;
    }

    /// <summary>The layer's hyper-parameters.</summary>
    public LrnSpec Spec { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        long channels = input.shape[1];
        Tensor squares = input.mul(input);
        Tensor sum = squares.clone();

        // Channel c sums channels c - Size/2 … c + (Size - 1)/2, as nn.LocalResponseNorm pads them.
        for (long offset = -(Spec.Size / 2); offset <= (Spec.Size - 1) / 2; offset++)
        {
            long length = channels - Math.Abs(offset);
            if (offset != 0 && length > 0)
            {
                sum.narrow(1, Math.Max(0, -offset), length).add_(squares.narrow(1, Math.Max(0, offset), length));
            }
        }

        using Scalar alpha = Spec.Alpha / Spec.Size, k = Spec.K, power = -Spec.Beta; // explicit, disposed after the call: TorchSharp leaves an implicit Scalar to its finalizer, which can run mid-call
        Tensor denominator = sum.mul_(alpha).add_(k);
        Tensor scale;
        if (Spec.Beta == 0.75)
        {
            Tensor root = denominator.rsqrt();
            scale = root.mul(root.sqrt()); // s^-1/2 · s^-1/4, out of place: autograd keeps root for rsqrt's backward
        }
        else
        {
            scale = denominator.pow(power);
        }

        return input.mul(scale).MoveToOuterDisposeScope();
    }
}
