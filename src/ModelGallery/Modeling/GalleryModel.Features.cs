using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>The features before the classifier, for training a head on cached features.</summary>
public abstract partial class GalleryModel
{
    /// <summary>
    /// Runs the network and returns the input of its final classifier (the first of <see cref="ClassifierModules"/>):
    /// the features every layer before the classifier computes, N × in-features. It works for every model alike,
    /// through a forward pre-hook on that layer, so the classifier runs too and its output is dropped.
    /// </summary>
    /// <param name="input">A batch of images, as for <c>forward</c>.</param>
    /// <returns>The features, N × <see cref="Classifier"/>'s in-features.</returns>
    /// <remarks>The model is taken exclusively: the hook must not see another thread's batch.</remarks>
    /// <exception cref="ArgumentException">The input does not fit <see cref="Input"/>.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public Tensor ForwardFeatures(Tensor input)
    {
        using var lease = Usage.EnterExclusive(nameof(ForwardFeatures), changesModel: false);
        CheckInput(input);
        var classifier = Classifier;
        Tensor? features = null;
        var handle = classifier.register_forward_pre_hook((_, x) =>
        {
            features?.Dispose();
            features = x.detach().DetachFromDisposeScope(); // the hook runs inside the forward's scopes
            return x;
        });
        try
        {
            using var scope = NewDisposeScope();
            Run(input);
        }
        finally
        {
            handle.remove();
        }

        using (features)
        {
            return features!.clone(); // owned by the caller's dispose scope, like any result
        }
    }
}
