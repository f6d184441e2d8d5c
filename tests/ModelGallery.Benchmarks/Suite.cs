namespace ModelGallery.Benchmarks;

/// <summary>What one run of the suite measures; set by <see cref="Program"/> before BenchmarkDotNet starts (in-process).</summary>
internal static class Suite
{
    /// <summary>The README's architectures, by registry name.</summary>
    public static IReadOnlyList<string> Models { get; set; } = ["lenet5", "alexnet", "vgg16", "googlenet", "resnet18", "resnet50"];

    public static IReadOnlyList<int> Batches { get; set; } = [1, 8, 32];

    public static int Threads { get; set; } = 2;

    /// <summary>Whether the eager engines run with batch norm folded into the convolutions (<c>FoldBatchNorm()</c>; <c>--fold</c>).</summary>
    public static bool FoldBatchNorm { get; set; }

    public static IReadOnlyList<Engine> Engines { get; set; } = Enum.GetValues<Engine>();

    /// <summary>
    /// The FP32 peak (<see cref="Peak.Gflops"/>) sampled during the run: before and after the inference benchmarks and
    /// on both sides of VGG16's batch-32 ONNX Runtime case. A 2-vCPU guest's clock and its second vCPU's share vary by
    /// tens of per cent within minutes (one sample of 341 GFLOP/s, the next of 403), so the efficiency figure divides
    /// by the highest sample: the peak the machine showed in the run, never a slow moment's.
    /// </summary>
    public static List<double> PeakSamples { get; } = [];

    /// <summary>
    /// TorchSharp's configuration for the results' header: whether libtorch runs convolutions through oneDNN, with
    /// which ISA cap, and the verdict (or the rule) that decided it.
    /// </summary>
    public static string TorchSharpSetup =>
        $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)}, oneDNN " +
        (ModelGallery.Native.OneDnn.Enabled
            ? $"on{(ModelGallery.Native.OneDnn.IsaCap is { } cap ? $" with ONEDNN_MAX_CPU_ISA={cap}" : string.Empty)} " +
              $"({ModelGallery.Native.OneDnn.VerdictSummary ?? "no verdict for this machine: on by the setting or the L3 rule; run `gallery doctor`"})."
            : $"OFF ({ModelGallery.Native.OneDnn.DisabledReason ?? "turned off by the caller"}).");

    /// <summary>
    /// The 1-minute load average (<c>/proc/loadavg</c>) sampled at the start and the end of the .NET inference run;
    /// on a 2-vCPU guest anything well above 2 means calls wait for a vCPU, and the figures are not for publishing.
    /// </summary>
    public static List<double> LoadSamples { get; } = [];

    /// <summary>The 1-minute load average now, or NaN where <c>/proc/loadavg</c> does not exist.</summary>
    public static double LoadAverage() =>
        File.Exists("/proc/loadavg") && double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out double load) ? load : double.NaN;

    /// <summary>Where PyTorch's results and ONNX exports, our ONNX exports and BenchmarkDotNet's artifacts go.</summary>
    public static string Output { get; set; } = string.Empty;

    public static string OurOnnx(string model) => Path.Combine(Output, $"{model}.modelgallery.onnx");

    public static string PyTorchOnnx(string model) => Path.Combine(Output, $"{model}.pytorch.onnx");

    /// <summary>The training cases of the issues: LeNet-5 at batch 64, GoogLeNet at batch 8, ResNet-18 at batch 16.</summary>
    public static IReadOnlyList<TrainingCase> TrainingCases { get; set; } = [new("lenet5", 64), new("googlenet", 8), new("resnet18", 16)];

    /// <summary>The fine-tuning issue's cases: GoogLeNet (torchvision) and ResNet-18, backbone frozen and not, NCHW and channels-last.</summary>
    public static IReadOnlyList<FineTuningCase> FineTuningCases { get; set; } = [.. FineTuningCase.All(["googlenet-torchvision", "resnet18"])];

    public static int FineTuningBatch { get; set; } = 16;

    /// <summary>The new head's classes (the ImageNet head, 1000 classes, replaced by one of this many).</summary>
    public static int FineTuningClasses { get; set; } = 4;

    /// <summary>Preloaded batches per timed epoch of the fine-tuning benchmark (steps/s = this ÷ the median epoch time).</summary>
    public static int StepsPerEpoch { get; set; } = 4;

    /// <summary>The loader benchmark's JPEG folder, written at run time by Reference/make_loader_images.py.</summary>
    public static string LoaderFolder => Path.Combine(Output, "loader-images");

    public static int LoaderBatch { get; set; } = 32;

    public static int LoaderWorkers { get; set; } = 2;
}
