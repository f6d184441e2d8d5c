using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>
/// A gallery model as an <see cref="IImageClassifier"/>: <see cref="Predict"/> is <see cref="GalleryModel.Predict"/>,
/// with the model as it is configured (channels-last, bfloat16, folded batch norms). The classifier does not own the
/// model: disposing it leaves the model alive, and it always computes with the model's current weights.
/// </summary>
/// <param name="model">The model; the caller keeps owning it.</param>
internal sealed class EagerClassifier(GalleryModel model) : IImageClassifier
{
    private readonly GalleryModel model = model ?? throw new ArgumentNullException(nameof(model));

    /// <inheritdoc/>
    public string Engine =>
        $"TorchSharp (eager{(model.ChannelsLast ? ", channels-last" : string.Empty)}{(model.BFloat16 ? ", bfloat16" : string.Empty)})";

    /// <inheritdoc/>
    public InputShape Input => model.Input;

    /// <inheritdoc/>
    public int NumClasses => model.NumClasses;

    /// <inheritdoc/>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Predict(Tensor images, int topK = 1, IReadOnlyList<string>? labels = null) =>
        model.Predict(images, topK, labels);

    /// <summary>Does nothing: the model belongs to the caller.</summary>
    public void Dispose()
    {
    }
}
