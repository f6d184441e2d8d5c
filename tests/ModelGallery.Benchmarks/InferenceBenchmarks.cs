using BenchmarkDotNet.Attributes;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// One forward pass of a batch, eager (inference mode, as <c>Predict</c> runs it) or in ONNX Runtime: one case of the
/// inference table, timed call by call by <see cref="InferenceRun"/> (its attributes still let BenchmarkDotNet run it).
/// </summary>
public class InferenceBenchmarks : IDisposable
{
    private GalleryModel? model;
    private Tensor? images;
    private OnnxClassifier? onnx;
    private float[] values = [];
    private long[] shape = [];

    [ParamsSource(nameof(Models))]
    public string Model { get; set; } = string.Empty;

    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; }

    [ParamsSource(nameof(Engines))]
    public Engine Engine { get; set; }

    public static IEnumerable<string> Models => Suite.Models;

    public static IEnumerable<int> Batches => Suite.Batches;

    public static IEnumerable<Engine> Engines => Suite.Engines;

    /// <summary>The case the efficiency goal is measured on; the peak is sampled on both sides of it.</summary>
    private bool IsEfficiencyCase => Model == "vgg16" && Batch == 32 && Engine == Engine.OnnxRuntime;

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Suite.Threads);
        if (IsEfficiencyCase)
        {
            Suite.PeakSamples.Add(Peak.Gflops(Suite.Threads));
        }

        InputShape input = ModelZoo.Get(Model).Input;
        var generator = new Generator(42);
        images = randn([Batch, input.Channels, input.Height, input.Width], generator: generator);
        values = images.data<float>().ToArray();
        shape = images.shape;
        switch (Engine)
        {
            case Engine.TorchSharp or Engine.TorchSharpChannelsLast or Engine.TorchSharpBFloat16:
                model = ModelZoo.Create(Model);
                model.eval();
                if (Engine != Engine.TorchSharp)
                {
                    model.UseChannelsLast();
                }

                if (Engine == Engine.TorchSharpBFloat16)
                {
                    model.UseBFloat16();
                }

                if (Suite.FoldBatchNorm)
                {
                    model.FoldBatchNorm(); // --fold, last: a no-op for the models without batch norm
                }

                break;
            case Engine.OnnxRuntime:
                onnx = new OnnxClassifier(Suite.OurOnnx(Model), Suite.Threads);
                break;
            case Engine.OnnxRuntimePyTorchExport:
                onnx = new OnnxClassifier(Suite.PyTorchOnnx(Model), Suite.Threads);
                break;
        }
    }

    [Benchmark]
    public void Forward()
    {
        if (onnx is not null)
        {
            onnx.Run(values, shape);
            return;
        }

        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        model!.call(images!);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (IsEfficiencyCase && onnx is not null)
        {
            Suite.PeakSamples.Add(Peak.Gflops(Suite.Threads));
        }

        model?.Dispose();
        images?.Dispose();
        onnx?.Dispose();
        (model, images, onnx) = (null, null, null);
    }

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }
}
