using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>What <see cref="IAuxiliaryClassifiers.ForwardWithAuxiliary"/> returns; the caller owns and disposes the tensors.</summary>
internal sealed class AuxiliaryOutputs
{
    /// <summary>Wraps the outputs of one forward pass.</summary>
    /// <param name="logits">The main classifier's logits, N × classes.</param>
    /// <param name="auxiliary">The auxiliary heads' logits (each N × classes), in network order; empty in eval mode.</param>
    public AuxiliaryOutputs(Tensor logits, IReadOnlyList<Tensor> auxiliary)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(auxiliary);
        Logits = logits;
        Auxiliary = auxiliary;
    }

    /// <summary>The main classifier's logits, N × classes.</summary>
    public Tensor Logits { get; }

    /// <summary>The auxiliary heads' logits in network order (GoogLeNet: after Inception 4a, then 4d); empty in eval mode or without auxiliary heads.</summary>
    public IReadOnlyList<Tensor> Auxiliary { get; }
}
