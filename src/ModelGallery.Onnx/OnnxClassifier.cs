using Microsoft.ML.OnnxRuntime;
using ModelGallery.Modeling;
using ModelGallery.Models;
using TorchSharp;

namespace ModelGallery.Onnx;

/// <summary>
/// Runs an exported gallery model (see <see cref="OnnxExport"/>) in ONNX Runtime: logits for a batch of images, or
/// the top classes with their softmax probabilities, as <see cref="GalleryModel.Predict"/> gives them (the same checks
/// and the same top-k code). The <c>float[]</c> methods need no TorchSharp at run time; as an
/// <see cref="IImageClassifier"/> it also takes tensors.
/// </summary>
/// <remarks>
/// The application supplies ONNX Runtime's native library, e.g. with the <c>Microsoft.ML.OnnxRuntime</c> package.
/// Sessions are thread-safe: <see cref="Run"/> and the <c>Predict</c> overloads may be called from several threads at once.
/// </remarks>
public sealed class OnnxClassifier : IImageClassifier
{
    private readonly InferenceSession session;
    private readonly string inputName;
    private readonly string outputName;

    /// <summary>Loads an exported model from a file.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <param name="threads">Threads per inference; null for ONNX Runtime's default (one per physical core).</param>
    /// <exception cref="ArgumentException">The file is not a model with one input <c>batch×C×H×W</c> and one output <c>batch×classes</c>.</exception>
    public OnnxClassifier(string path, int? threads = null)
        : this(options => new InferenceSession(path, options), threads, path)
    {
    }

    /// <summary>Loads an exported model from memory, such as the bytes of <see cref="OnnxExport.ToOnnx"/>.</summary>
    /// <param name="model">The serialized ONNX model.</param>
    /// <param name="threads">Threads per inference; null for ONNX Runtime's default (one per physical core).</param>
    /// <exception cref="ArgumentException">The bytes are not a model with one input <c>batch×C×H×W</c> and one output <c>batch×classes</c>.</exception>
    public OnnxClassifier(byte[] model, int? threads = null)
        : this(options => new InferenceSession(model, options), threads, "the given bytes")
    {
    }

    private OnnxClassifier(Func<SessionOptions, InferenceSession> open, int? threads, string source)
    {
        using SessionOptions options = Options(threads);
        try
        {
            session = open(options);
        }
        catch (OnnxRuntimeException exception)
        {
            throw new ArgumentException($"ONNX Runtime could not load {source}: {exception.Message}", exception);
        }

        int[]? input = session.InputMetadata.Count == 1 ? session.InputMetadata.Values.Single().Dimensions : null;
        int[]? output = session.OutputMetadata.Count == 1 ? session.OutputMetadata.Values.Single().Dimensions : null;
        if (input is not [_, > 0, > 0, > 0] || output is not [_, > 0])
        {
            session.Dispose();
            throw new ArgumentException(
                $"{source} is not an image classifier: expected one input batch×C×H×W and one output batch×classes, found inputs [{Shapes(session.InputMetadata)}] and outputs [{Shapes(session.OutputMetadata)}].");
        }

        inputName = session.InputMetadata.Keys.Single();
        outputName = session.OutputMetadata.Keys.Single();
        Input = new InputShape(input[1], input[2], input[3]);
        NumClasses = output[1];
    }

    /// <inheritdoc/>
    public string Engine => "ONNX Runtime";

    /// <summary>The shape of one input image.</summary>
    public InputShape Input { get; }

    /// <summary>The number of classes, the size of each output row.</summary>
    public int NumClasses { get; }

    /// <summary>Checks that <paramref name="shape"/> fits the graph's input and holds exactly the values given.</summary>
    private void Check(float[] images, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(shape);
        Input.Validate("The ONNX model", shape, nameof(shape));
        long values = shape.Aggregate(1L, (a, b) => a * b);
        if (images.Length != values)
        {
            throw new ArgumentException(
                $"A batch of shape [{string.Join(", ", shape)}] has {values:N0} values, but {images.Length:N0} were given.", nameof(images));
        }
    }

    /// <summary>Computes the logits of a batch of images.</summary>
    /// <param name="images">The images' float32 values in row-major (NCHW) order.</param>
    /// <param name="shape">Their shape, <c>batch×C×H×W</c>, which must fit <see cref="Input"/> and hold exactly <paramref name="images"/>' values.</param>
    /// <returns>The logits, <c>batch×NumClasses</c> in row-major order.</returns>
    /// <exception cref="ArgumentException">The shape does not fit <see cref="Input"/>, or the number of values is not the shape's.</exception>
    public float[] Run(float[] images, long[] shape)
    {
        Check(images, shape);
        using var input = OrtValue.CreateTensorValueFromMemory(images, shape);
        using var options = new RunOptions();
        using var outputs = session.Run(options, [inputName], [input], [outputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Classifies a batch: softmax over the logits, then the <paramref name="topK"/> most probable classes of each image.</summary>
    /// <param name="images">The images, as for <see cref="Run"/>.</param>
    /// <param name="shape">Their shape, <c>batch×C×H×W</c>, as for <see cref="Run"/>.</param>
    /// <param name="topK">How many classes to return per image, 1 to <see cref="NumClasses"/>.</param>
    /// <param name="labels">Class names, <see cref="NumClasses"/> of them, or null.</param>
    /// <returns>For each image, its top classes, most probable first.</returns>
    /// <exception cref="ArgumentException">The images do not fit their shape or <see cref="Input"/>, contain NaN or infinite values, or the labels are not one per class.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to <see cref="NumClasses"/>.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Predict(float[] images, long[] shape, int topK = 1, IReadOnlyList<string>? labels = null)
    {
        Check(images, shape);
        Prediction.CheckRequest("The ONNX model", NumClasses, topK, labels);
        if (!Array.TrueForAll(images, float.IsFinite))
        {
            throw new ArgumentException("The images contain NaN or infinite values; probabilities would be meaningless.", nameof(images));
        }

        return Prediction.TopK(Run(images, shape), NumClasses, topK, labels);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The images are not a float32 tensor on the CPU, do not fit <see cref="Input"/>, contain NaN or infinite values, or the labels are not one per class.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Predict(torch.Tensor images, int topK = 1, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dtype != torch.ScalarType.Float32 || images.device_type != DeviceType.CPU)
        {
            throw new ArgumentException(
                $"ONNX Runtime takes float32 images on the CPU; received {images.dtype} on {images.device}.", nameof(images));
        }

        using var contiguous = images.contiguous();
        return Predict(contiguous.data<float>().ToArray(), images.shape, topK, labels);
    }

    /// <inheritdoc/>
    public void Dispose() => session.Dispose();

    private static SessionOptions Options(int? threads)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(threads));
            options.IntraOpNumThreads = count;
        }

        return options;
    }

    private static string Shapes(IReadOnlyDictionary<string, NodeMetadata> values) =>
        string.Join("; ", values.Select(value => $"{value.Key} [{string.Join(", ", value.Value.Dimensions)}]"));
}
