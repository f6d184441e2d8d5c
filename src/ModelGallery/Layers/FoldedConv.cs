using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// A convolution and the eval-mode batch norm after it, as one convolution with a bias: per output channel c,
/// weight[c] · s[c] and bias[c] · s[c] + β[c] − μ[c] · s[c], where s = γ / √(σ² + ε) (a missing bias counts as 0,
/// a batch norm without affine parameters as γ = 1, β = 0). It is a snapshot of both layers' tensors when it was made,
/// computed in float64 and stored in the convolution weight's dtype and memory order; it holds its own tensors.
/// </summary>
internal sealed class FoldedConv : IDisposable
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long[] stride;
    private readonly long[] padding;
    private readonly long[] dilation;
    private readonly long groups;

    public FoldedConv(Conv2d conv, BatchNorm2d norm)
    {
        if (conv.padding is null || conv.padding_mode != PaddingModes.Zeros || conv.transposed)
        {
            throw new NotSupportedException($"Batch-norm folding supports zero-padded, non-transposed convolutions with explicit padding; {conv.GetName()} is not one.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor w = conv.weight!;
        Tensor mean = norm.running_mean!.to(ScalarType.Float64), variance = norm.running_var!.to(ScalarType.Float64);
        using Scalar eps = norm.eps; // explicit, disposed after the call: TorchSharp leaves an implicit Scalar to its finalizer, which can run mid-call
        Tensor scale = (variance + eps).rsqrt();
        if (norm.weight is { } gamma)
        {
            scale = scale * gamma.to(ScalarType.Float64);
        }

        Tensor shift = conv.bias is { } b ? (b.to(ScalarType.Float64) - mean) * scale : -mean * scale;
        if (norm.bias is { } beta)
        {
            shift = shift + beta.to(ScalarType.Float64);
        }

        // Multiplying by a broadcast N×1×1×1 factor keeps a channels-last weight channels-last.
        weight = (w.to(ScalarType.Float64) * scale.reshape(-1, 1, 1, 1)).to(w.dtype).detach().MoveToOuterDisposeScope();
        bias = shift.to(w.dtype).detach().MoveToOuterDisposeScope();
        stride = conv.stride;
        padding = conv.padding;
        dilation = conv.dilation;
        groups = conv.groups;
    }

    /// <summary>Replaces <paramref name="slot"/>'s snapshot with a fresh one of <paramref name="conv"/> and <paramref name="norm"/>.</summary>
    public static void Refold(ref FoldedConv? slot, Conv2d conv, BatchNorm2d norm)
    {
        Drop(ref slot);
        slot = new FoldedConv(conv, norm);
    }

    /// <summary>Disposes <paramref name="slot"/>'s snapshot, if any, and empties it.</summary>
    public static void Drop(ref FoldedConv? slot)
    {
        slot?.Dispose();
        slot = null;
    }

    /// <summary>The folded weight (its strides are the convolution's).</summary>
    internal Tensor Weight => weight;

    /// <summary>The convolution and batch norm, computed as one convolution.</summary>
    public Tensor Forward(Tensor input) => nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }
}
