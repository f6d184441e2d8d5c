using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>
/// Classifies batches of preprocessed images, whatever engine runs underneath: the eager TorchSharp model
/// (<see cref="ClassifierEngine.Eager"/>) or ONNX Runtime on the model's export (<see cref="OnnxClassifier"/>).
/// <c>ModelGallery.Onnx.Classifiers.Fastest</c> measures both on this machine and keeps the faster.
/// </summary>
public interface IImageClassifier : IDisposable
{
    /// <summary>What runs underneath, for logs: e.g. <c>TorchSharp (eager, channels-last)</c> or <c>ONNX Runtime</c>.</summary>
    string Engine { get; }

    /// <summary>The shape of one input image.</summary>
    InputShape Input { get; }

    /// <summary>The number of classes.</summary>
    int NumClasses { get; }

    /// <summary>Softmax over each image's logits, then its <paramref name="topK"/> most probable classes, most probable first.</summary>
    /// <param name="images">float32 images, <c>N×C×H×W</c> fitting <see cref="Input"/>.</param>
    /// <param name="topK">How many classes to return per image, 1 to <see cref="NumClasses"/>.</param>
    /// <param name="labels">Class names, <see cref="NumClasses"/> of them, or null.</param>
    /// <returns>For each image, its top classes.</returns>
    /// <exception cref="ArgumentException">The images do not fit <see cref="Input"/>, contain NaN or infinite values, or the labels are not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to <see cref="NumClasses"/>.</exception>
    IReadOnlyList<IReadOnlyList<Prediction>> Predict(Tensor images, int topK = 1, IReadOnlyList<string>? labels = null);
}
