using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// What <see cref="GoogLeNet.ForwardWithAux"/> returns: the logits, and in training mode with auxiliary classifiers
/// the logits of the two auxiliary heads (after Inception 4a and 4d). The caller owns and disposes the tensors.
/// </summary>
/// <param name="Logits">The main classifier's logits, N × classes.</param>
/// <param name="Aux1">The first auxiliary head's logits, or null in eval mode or without auxiliary classifiers.</param>
/// <param name="Aux2">The second auxiliary head's logits, or null in eval mode or without auxiliary classifiers.</param>
public sealed record GoogLeNetOutputs(Tensor Logits, Tensor? Aux1, Tensor? Aux2);
