using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ModelGallery.Benchmarks;

/// <summary>What <c>--loader</c> and <c>--fine-tuning</c> run, and how (from the command line).</summary>
internal sealed record FineTuningSettings(bool Loader, bool FineTuning, bool Quick, bool AllowReferenceBlas, int ImagesPerClass)
{
    /// <summary>Timed epochs on each side (after one warm-up epoch).</summary>
    public int Epochs => Quick ? 2 : 5;
}

/// <summary>
/// The fine-tuning issue's measured goals side by side: the image loader's images/s and fine-tuning steps/s with
/// the process's peak RSS, PyTorch (Reference/bench_finetune.py) against ModelGallery (BenchmarkDotNet in-process).
/// Each .NET fine-tuning case runs in a child process of this program (<c>--fine-tuning-case</c>), as each PyTorch
/// case runs in its own python process, so every peak RSS belongs to one case.
/// </summary>
internal static class FineTuningRun
{
    public static FineTuningResults Run(FineTuningSettings settings)
    {
        string threads = Suite.Threads.ToString(CultureInfo.InvariantCulture);
        List<string> arguments = ["--out", Suite.Output, "--threads", threads];
        if (settings.Loader)
        {
            Reference.Run("make_loader_images.py", ["--out", Suite.LoaderFolder, "--per-class", Text(settings.ImagesPerClass)], "Pillow (python3-pil) and python3-skimage's photos");
            arguments.AddRange(["--loader-folder", Suite.LoaderFolder, "--epochs", Text(settings.Epochs), "--loader-batch", Text(Suite.LoaderBatch), "--workers", Text(Suite.LoaderWorkers)]);
        }

        if (settings.FineTuning)
        {
            arguments.AddRange([
                "--models", string.Join(',', Suite.FineTuningCases.Select(c => c.Model).Distinct()), "--batch", Text(Suite.FineTuningBatch),
                "--classes", Text(Suite.FineTuningClasses), "--steps-per-epoch", Text(Suite.StepsPerEpoch),
                "--min-time", settings.Quick ? "0" : "10", "--min-reps", Text(settings.Epochs)]);
        }

        if (settings.AllowReferenceBlas)
        {
            arguments.Add("--allow-reference-blas");
        }

        string pytorchJson = Path.Combine(Suite.Output, "pytorch-finetune.json");
        File.Delete(pytorchJson);
        Reference.Run("bench_finetune.py", arguments, "python3-torch and python3-torchvision (apt)");

        double? loader = null;
        if (settings.Loader)
        {
            var report = BenchmarkRunner.Run<LoaderBenchmarks>(MacroConfig(settings.Epochs)).Reports.SingleOrDefault(r => r.Success && r.ResultStatistics is not null);
            loader = report is null ? null : LoaderBenchmarks.Images / (report.ResultStatistics!.Median / 1e9);
        }

        var ours = settings.FineTuning ? Suite.FineTuningCases.ToDictionary(c => c, c => RunChild(c, settings.Quick)) : [];
        return FineTuningResults.Collect(pytorchJson, settings, loader, ours);
    }

    /// <summary>The child process's work: one case under BenchmarkDotNet, then its steps/s and memory to a JSON file.</summary>
    public static int RunCase(FineTuningCase fineTuningCase, bool quick)
    {
        Suite.FineTuningCases = [fineTuningCase];
        var report = BenchmarkRunner.Run<FineTuningBenchmarks>(MacroConfig(quick ? 2 : 5)).Reports.SingleOrDefault(r => r.Success && r.ResultStatistics is not null);
        if (report is null)
        {
            Console.Error.WriteLine($"The fine-tuning case {fineTuningCase} did not produce a measurement.");
            return 1;
        }

        var measurement = new FineTuningMeasurement(
            Suite.StepsPerEpoch / (report.ResultStatistics!.Median / 1e9), FineTuningBenchmarks.ProcessMemory("VmHWM"),
            FineTuningBenchmarks.BaselineRssMiB, FineTuningBenchmarks.TrainedParameters, report.ResultStatistics.N);
        File.WriteAllText(MeasurementPath(fineTuningCase), JsonSerializer.Serialize(measurement));
        return 0;
    }

    /// <summary>Runs one case in a fresh process of this program; null when it failed.</summary>
    private static FineTuningMeasurement? RunChild(FineTuningCase fineTuningCase, bool quick)
    {
        string path = MeasurementPath(fineTuningCase);
        File.Delete(path);
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell which executable runs this process.");
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(FineTuningRun).Assembly.Location); // started as `dotnet ModelGallery.Benchmarks.dll`
        }

        foreach (string argument in (string[])["--output", Suite.Output, "--threads", Text(Suite.Threads), "--fine-tuning-case", $"{fineTuningCase.Model}:{fineTuningCase.Backbone}:{fineTuningCase.Layout}"])
        {
            start.ArgumentList.Add(argument);
        }

        if (quick)
        {
            start.ArgumentList.Add("--quick");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path))
        {
            Console.Error.WriteLine($"The fine-tuning case {fineTuningCase} failed (exit {process.ExitCode}); its cells stay empty.");
            return null;
        }

        return JsonSerializer.Deserialize<FineTuningMeasurement>(File.ReadAllText(path));
    }

    private static string MeasurementPath(FineTuningCase fineTuningCase) => Path.Combine(Suite.Output, $"fine-tuning-{fineTuningCase}.modelgallery.json");

    /// <summary>Whole epochs timed one by one (BenchmarkDotNet's monitoring strategy: no pilot, no overhead runs), after one warm-up epoch.</summary>
    private static ManualConfig MacroConfig(int iterations) => ManualConfig.CreateEmpty()
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Monitoring)
            .WithWarmupCount(1)
            .WithIterationCount(iterations)
            .WithInvocationCount(1)
            .WithUnrollFactor(1))
        .AddLogger(ConsoleLogger.Default)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .WithArtifactsPath(Path.Combine(Suite.Output, "BenchmarkDotNet"))
        .WithOption(ConfigOptions.JoinSummary, false);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
