using System.Globalization;
using BenchmarkDotNet.Attributes;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// Fine-tuning steps on preloaded batches (the loader is not measured): one <see cref="Trainer.TrainEpoch"/> of
/// <see cref="Suite.StepsPerEpoch"/> random batches per invocation, with TrainingOptions' defaults (SGD, lr 0.01,
/// momentum 0.9, weight decay 1e-4, cross-entropy) and the backbone frozen (<see cref="Freeze.Backbone"/>: eval mode,
/// only the head trained) or not, in NCHW or after <see cref="GalleryModel.UseChannelsLast"/>. Each case runs in its own process (see <see cref="FineTuningRun"/>) so that the
/// process's peak RSS is that case's.
/// </summary>
public class FineTuningBenchmarks : IDisposable
{
    private GalleryModel? model;
    private Trainer? trainer;
    private List<(Tensor Images, Tensor Labels)> batches = [];

    [ParamsSource(nameof(Cases))]
    public FineTuningCase Case { get; set; } = new("resnet18", true);

    public static IEnumerable<FineTuningCase> Cases => Suite.FineTuningCases;

    /// <summary>The process's resident memory just before the model was built (runtime, libtorch and BenchmarkDotNet loaded).</summary>
    public static double BaselineRssMiB { get; private set; }

    /// <summary>Parameters the fine-tuner trains (requires_grad), to check that both sides freeze the same ones.</summary>
    public static long TrainedParameters { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Suite.Threads);
        BaselineRssMiB = ProcessMemory("VmRSS");
        model = Create(Case.Model, Suite.FineTuningClasses);
        if (Case.ChannelsLast)
        {
            model.UseChannelsLast(); // forward then converts each NCHW batch, as PyTorch's case does in its step
        }

        trainer = new Trainer(model, new TrainingOptions
        {
            Freeze = Case.Frozen ? Freeze.Backbone : Freeze.None,
            Epochs = int.MaxValue, // one epoch per invocation, as many as BenchmarkDotNet asks for
        });
        TrainedParameters = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
        var generator = new Generator(42);
        batches = [.. Enumerable.Range(0, Suite.StepsPerEpoch).Select(_ => (
            randn([Suite.FineTuningBatch, 3, 224, 224], generator: generator),
            randint(0, Suite.FineTuningClasses, [Suite.FineTuningBatch], generator: generator)))];
    }

    [Benchmark]
    public EpochResult Epoch() => trainer!.TrainEpoch(batches);

    /// <summary>
    /// The model as a fine-tuning user gets it from the ImageNet weights, with a new head of <paramref name="classes"/>
    /// classes (random weights: the speed does not depend on them). GoogLeNet: the layout of <c>GoogLeNet.ImageNet1K</c>
    /// (torchvision's variant with transform_input, without the auxiliary heads that torchvision drops on loading).
    /// </summary>
    internal static GalleryModel Create(string name, int classes) => name switch
    {
        "googlenet-torchvision" => new GoogLeNet(classes, variant: GoogLeNetVariant.Torchvision, transformInput: true),
        "resnet18" => ModelZoo.Create(name, new ModelOptions { NumClasses = classes }),
        _ => throw new ArgumentException($"The fine-tuning benchmark covers googlenet-torchvision and resnet18; received '{name}'.", nameof(name)),
    };

    /// <summary>A memory figure of this process from /proc/self/status, in MiB (VmRSS: now; VmHWM: the peak).</summary>
    internal static double ProcessMemory(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        trainer?.Dispose();
        model?.Dispose();
        batches.ForEach(batch => { batch.Images.Dispose(); batch.Labels.Dispose(); });
        (trainer, model, batches) = (null, null, []);
    }

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }
}
