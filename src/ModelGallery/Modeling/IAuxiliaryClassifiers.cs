using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// A model with auxiliary classifiers that add their own losses in training (GoogLeNet's two side heads). A trainer
/// asks through this interface, so it needs no knowledge of the model classes.
/// </summary>
internal interface IAuxiliaryClassifiers
{
    /// <summary>Whether the auxiliary heads were built; without them <see cref="ForwardWithAuxiliary"/> returns the logits alone.</summary>
    bool HasAuxClassifiers { get; }

    /// <summary>Runs the network and, in training mode with auxiliary heads, those heads too.</summary>
    /// <param name="input">A batch of images, as for <c>forward</c>.</param>
    /// <returns>The main logits and, in training mode, every auxiliary head's logits in network order.</returns>
    /// <exception cref="ArgumentException">The input does not fit the model.</exception>
    AuxiliaryOutputs ForwardWithAuxiliary(Tensor input);
}
