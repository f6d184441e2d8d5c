using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// What <see cref="GoogLeNet.ForwardWithAux"/> returns: the logits, and in training mode with auxiliary classifiers
/// the logits of the two auxiliary heads (after Inception 4a and 4d). The caller owns and disposes the tensors.
/// </summary>
public sealed class GoogLeNetOutputs
{
    internal GoogLeNetOutputs(Tensor logits, Tensor? aux1, Tensor? aux2)
    {
        Logits = logits;
        Aux1 = aux1;
        Aux2 = aux2;
    }

    /// <summary>The main classifier's logits, N × classes.</summary>
    public Tensor Logits { get; }

    /// <summary>The first auxiliary head's logits, or null in eval mode or without auxiliary classifiers.</summary>
    public Tensor? Aux1 { get; }

    /// <summary>The second auxiliary head's logits, or null in eval mode or without auxiliary classifiers.</summary>
    public Tensor? Aux2 { get; }
}
