using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// A fixed per-channel scale and shift, <c>y[c] = x[c] · Scale[c] + Shift[c]</c>, with no weights to learn: a change of
/// input normalisation written as a layer, so that inspection and export see it as one (torchvision's GoogLeNet
/// <c>transform_input</c> is one, see <see cref="Renormalisation"/>).
/// </summary>
internal sealed class ChannelAffine : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="scale">One factor per channel.</param>
    /// <param name="shift">One offset per channel, as many as factors.</param>
    /// <exception cref="ArgumentException">The lists are empty or of different lengths.</exception>
    public ChannelAffine(IReadOnlyList<double> scale, IReadOnlyList<double> shift)
        : base(nameof(ChannelAffine))
    {
        ArgumentNullException.ThrowIfNull(scale);
        ArgumentNullException.ThrowIfNull(shift);
        if (scale.Count == 0 || scale.Count != shift.Count)
        {
            throw new ArgumentException($"A channel affine needs one scale and one shift per channel; received {scale.Count} and {shift.Count}.", nameof(shift));
        }

        Scale = [.. scale];
        Shift = [.. shift];
    }

    /// <summary>The factor of each channel.</summary>
    public IReadOnlyList<double> Scale { get; }

    /// <summary>The offset of each channel.</summary>
    public IReadOnlyList<double> Shift { get; }

    /// <summary>
    /// From one per-channel normalisation to another: inputs normalised with <paramref name="fromMean"/> and
    /// <paramref name="fromStd"/> come out as if normalised with <paramref name="toMean"/> and <paramref name="toStd"/>.
    /// </summary>
    public static ChannelAffine Renormalisation(IReadOnlyList<double> fromMean, IReadOnlyList<double> fromStd, double toMean, double toStd) =>
        new([.. fromStd.Select(s => s / toStd)], [.. fromMean.Select(m => (m - toMean) / toStd)]);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var scale = tensor(Scale.ToArray(), dtype: input.dtype, device: input.device).view(1, -1, 1, 1);
        var shift = tensor(Shift.ToArray(), dtype: input.dtype, device: input.device).view(1, -1, 1, 1);
        return input.mul(scale).add_(shift).MoveToOuterDisposeScope();
    }
}
