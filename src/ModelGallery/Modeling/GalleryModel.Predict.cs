using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>Classifying with a gallery model: softmax probabilities and the top classes of each image.</summary>
public abstract partial class GalleryModel
{
    /// <summary>
    /// Classifies a batch: softmax over the logits, then the <paramref name="topK"/> most probable classes of each
    /// image, most probable first. Runs in eval mode with inference mode and a dispose scope, and restores the
    /// model's training mode afterwards.
    /// </summary>
    /// <param name="images">A batch of preprocessed images, as for <c>forward</c>.</param>
    /// <param name="topK">How many classes to return per image, 1 to <see cref="GalleryModel.NumClasses"/>.</param>
    /// <param name="labels">Class names, <see cref="GalleryModel.NumClasses"/> of them, or null.</param>
    /// <returns>For each image, its top classes.</returns>
    /// <remarks>
    /// Safe to call from several threads at once on a model in eval mode. On a model in training mode it switches to
    /// eval mode and back, so it then needs the model to itself; a conflicting call throws
    /// <see cref="InvalidOperationException"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The images do not fit the model's input, contain NaN or infinite values, or the labels are not one per class.</exception>
    /// <exception cref="InvalidOperationException">Training, a weights load, a summary or a mode switch is running on the model on another thread.</exception>
    /// <exception cref="ObjectDisposedException">The model, or the images tensor, has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to <see cref="GalleryModel.NumClasses"/>.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Predict(Tensor images, int topK = 1, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(images);

        // Shared in eval mode; exclusive when the mode must be switched. Decided under the usage gate, and no one can
        // change the mode while any lease is held, so reading it again here gives the same answer.
        using var lease = Usage.Enter("Predict", wantsExclusive: () => training);
        bool wasTraining = training;
        CheckInput(images, nameof(images));
        Prediction.CheckRequest(GetName(), NumClasses, topK, labels);
        try
        {
            if (wasTraining)
            {
                eval();
            }

            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            if (!images.isfinite().all().item<bool>())
            {
                throw new ArgumentException($"{GetName()}.Predict received images with NaN or infinite values; probabilities would be meaningless.", nameof(images));
            }

            float[] logits = Run(images).to(ScalarType.Float32).cpu().data<float>().ToArray();
            return Prediction.TopK(logits, NumClasses, topK, labels);
        }
        finally
        {
            if (wasTraining)
            {
                train();
            }
        }
    }
}
