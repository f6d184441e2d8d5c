using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>The network in two halves, as timm's <c>forward_features</c> and <c>forward_head</c>: the features before the final classifier, and the classifier on them.</summary>
public abstract partial class GalleryModel
{
    /// <summary>
    /// Runs the network up to its final classifier (the first of <see cref="ClassifierModules"/>) and returns what that
    /// classifier takes: N × <see cref="Classifier"/>'s in-features. <c>ForwardHead(ForwardFeatures(x))</c> equals
    /// <c>forward(x)</c>; training a head on cached features uses it.
    /// </summary>
    /// <param name="input">A batch of images, as for <c>forward</c>.</param>
    /// <returns>The features, N × <see cref="Classifier"/>'s in-features.</returns>
    /// <exception cref="ArgumentException">The input does not fit <see cref="Input"/>, the weights' dtype or their device.</exception>
    /// <exception cref="ObjectDisposedException">The model, or the input tensor, has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is changing the model.</exception>
    /// <exception cref="InsufficientMemoryException">The batch does not fit in memory.</exception>
    public Tensor ForwardFeatures(Tensor input) => Guarded(input, nameof(ForwardFeatures), x => Output(ForwardFeatureRows(x)));

    /// <summary>Runs the final classifier on features from <see cref="ForwardFeatures"/>.</summary>
    /// <param name="features">N × <see cref="Classifier"/>'s in-features, float32, on the model's device.</param>
    /// <returns>Logits, N × <see cref="NumClasses"/>.</returns>
    /// <exception cref="ArgumentException">The features are not N × in-features (N ≥ 1) float32 on the model's device.</exception>
    /// <exception cref="ObjectDisposedException">The model, or the features tensor, has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is changing the model.</exception>
    public Tensor ForwardHead(Tensor features)
    {
        using var lease = Usage.EnterShared(nameof(ForwardHead));
        ArgumentNullException.ThrowIfNull(features);
        if (features.IsInvalid)
        {
            throw new ObjectDisposedException(nameof(features), $"The features tensor passed to {GetName()}.ForwardHead has been disposed.");
        }

        var classifier = Classifier;
        long inFeatures = classifier.in_features;
        var weight = classifier.weight!;
        if (features.dim() != 2 || features.shape[0] < 1 || features.shape[1] != inFeatures || features.dtype != ScalarType.Float32
            || features.device_type != weight.device_type || features.device_index != weight.device_index)
        {
            throw new ArgumentException(
                $"{GetName()}.ForwardHead expects N × {inFeatures} float32 features (N ≥ 1) on {weight.device}; received {features.dtype} [{string.Join(", ", features.shape)}] on {features.device}.",
                nameof(features));
        }

        using var scope = NewDisposeScope();
        return Output(ForwardHeadRows(BFloat16 ? features.to(ScalarType.BFloat16) : features));
    }
}
