using System.Diagnostics;
using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>The engines an <see cref="IImageClassifier"/> for a gallery model can run on.</summary>
public enum ClassifierEngine
{
    /// <summary>The eager TorchSharp model as it is configured (channels-last, bfloat16, folded batch norms), through <see cref="GalleryModel.Predict"/>.</summary>
    Eager,

    /// <summary>ONNX Runtime on the model's own export, made in memory (<see cref="OnnxClassifier"/>).</summary>
    OnnxRuntime,
}

/// <summary>The classifier <see cref="Classifiers.Fastest"/> chose, and what it measured; disposing it disposes the classifier.</summary>
/// <param name="Classifier">The fastest engine's classifier.</param>
/// <param name="Timings">
/// Every engine's median time of one <c>Predict</c> call, fastest first: the engine, what ran (as
/// <see cref="IImageClassifier.Engine"/> names it) and the median over the timed calls in milliseconds.
/// </param>
public sealed record ClassifierChoice(IImageClassifier Classifier, IReadOnlyList<(ClassifierEngine Engine, string Description, double MedianMilliseconds)> Timings) : IDisposable
{
    /// <summary>Disposes <see cref="Classifier"/> (an eager classifier leaves its model alive).</summary>
    public void Dispose() => Classifier.Dispose();
}

/// <summary>
/// One typed way to classify with a gallery model on the engine of your choice, or on the one measured fastest on
/// this machine. Every engine gives the same <see cref="IImageClassifier.Predict"/> and <see cref="Prediction"/>s.
/// </summary>
/// <remarks>
/// ONNX Runtime runs a snapshot: the weights the model had when the classifier was created. Create a new one after
/// loading other weights or training. The eager engine always uses the model's current weights.
/// </remarks>
public static class Classifiers
{
    /// <summary>A classifier for <paramref name="model"/> on <paramref name="engine"/>.</summary>
    /// <param name="model">The model; the caller keeps owning it.</param>
    /// <param name="engine">The engine.</param>
    /// <param name="threads">ONNX Runtime's threads per call; null for its default. The eager engine uses TorchSharp's setting.</param>
    /// <returns>The classifier; dispose it (an eager classifier leaves the model alive).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="engine"/> is not a defined engine, or <paramref name="threads"/> is below 1.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public static IImageClassifier Create(GalleryModel model, ClassifierEngine engine, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, $"ONNX Runtime needs at least 1 thread; received {threads}.");
        }

        return engine switch
        {
            ClassifierEngine.Eager => new EagerClassifier(model),
            ClassifierEngine.OnnxRuntime => new OnnxClassifier(model.ToOnnx(), threads),
            _ => throw new ArgumentOutOfRangeException(nameof(engine), engine, $"Expected {string.Join(" or ", Enum.GetNames<ClassifierEngine>())}; received {engine}."),
        };
    }

    /// <summary>
    /// Measures every engine on <paramref name="batch"/> random images of the model's input size (a warm-up, then
    /// <paramref name="calls"/> timed <c>Predict</c> calls) and returns the fastest by median, with all the timings.
    /// The others are disposed.
    /// </summary>
    /// <param name="model">The model; the caller keeps owning it, and it is not changed.</param>
    /// <param name="batch">Images per call, as the application will send them; 1 to 1,024.</param>
    /// <param name="calls">Timed calls per engine, 1 to 10,000.</param>
    /// <param name="threads">ONNX Runtime's threads per call; null for its default.</param>
    /// <returns>The fastest classifier and every engine's timing; dispose it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/>, <paramref name="calls"/> or <paramref name="threads"/> is out of range.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public static ClassifierChoice Fastest(GalleryModel model, int batch = 1, int calls = 20, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (batch is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Expected a batch of 1 to 1,024 images; received {batch}.");
        }

        if (calls is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(calls), calls, $"Expected 1 to 10,000 timed calls; received {calls}.");
        }

        var measured = new List<(IImageClassifier Classifier, (ClassifierEngine Engine, string Description, double MedianMilliseconds) Timing)>();
        try
        {
            using var scope = NewDisposeScope();
            using var generator = new Generator(seed: 0);
            Tensor images = rand([batch, model.Input.Channels, model.Input.Height, model.Input.Width], generator: generator);
            foreach (var engine in Enum.GetValues<ClassifierEngine>())
            {
                var classifier = Create(model, engine, threads);
                measured.Add((classifier, (engine, classifier.Engine, Median(classifier, images, calls))));
            }
        }
        catch
        {
            measured.ForEach(m => m.Classifier.Dispose());
            throw;
        }

        var ranked = measured.OrderBy(m => m.Timing.MedianMilliseconds).ToList();
        ranked.Skip(1).ToList().ForEach(m => m.Classifier.Dispose());
        return new ClassifierChoice(ranked[0].Classifier, [.. ranked.Select(m => m.Timing)]);
    }

    private static double Median(IImageClassifier classifier, Tensor images, int calls)
    {
        for (int warmup = 0; warmup < 2; warmup++)
        {
            classifier.Predict(images);
        }

        double[] times = new double[calls];
        for (int call = 0; call < calls; call++)
        {
            long start = Stopwatch.GetTimestamp();
            classifier.Predict(images);
            times[call] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return calls % 2 == 1 ? times[calls / 2] : (times[(calls / 2) - 1] + times[calls / 2]) / 2;
    }
}
