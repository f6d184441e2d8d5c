using System.CommandLine;
using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ModelGallery.Onnx;
using ModelGallery.Zoo;
using Perfolizer.Horology;

namespace ModelGallery.Benchmarks;

/// <summary>
/// One command, side by side: the PyTorch reference script, then BenchmarkDotNet on TorchSharp (NCHW and
/// channels-last) and ONNX Runtime (ModelGallery's export and PyTorch's), then one table of images/s and ratios.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs (fewer iterations) for a first look; the published table uses full runs." };
        var models = new Option<string>("--models") { Description = "Comma-separated registry names.", DefaultValueFactory = _ => "lenet5,alexnet,vgg16,googlenet,resnet18,resnet50" };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,8,32" };
        var threads = new Option<int>("--threads") { Description = "Threads for every engine (PyTorch, TorchSharp, ONNX Runtime).", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--output") { Description = "Folder for results, exports and BenchmarkDotNet artifacts.", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "modelgallery-benchmarks") };
        var chart = new Option<string?>("--chart") { Description = "Also draw the ratios as an SVG chart at this path (the README's is figures/benchmarks.svg)." };
        var skipPyTorch = new Option<bool>("--reuse-pytorch") { Description = "Reuse pytorch.json and the PyTorch exports already in the output folder." };
        var training = new Option<bool>("--no-training") { Description = "Skip the training benchmarks." };
        var engines = new Option<Engine[]>("--engines") { Description = "Which .NET engines to run (default: all).", AllowMultipleArgumentsPerToken = true };
        var root = new RootCommand("ModelGallery's side-by-side benchmarks: PyTorch, TorchSharp and ONNX Runtime on the README's architectures.")
        {
            quick, models, batches, threads, output, chart, skipPyTorch, training, engines,
        };
        root.SetAction(parse =>
        {
            Suite.Models = [.. parse.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => ModelZoo.Get(name).Name)];
            Suite.Batches = [.. parse.GetValue(batches)!.Split(',').Select(int.Parse)];
            Suite.Threads = parse.GetValue(threads);
            if (parse.GetValue(engines) is { Length: > 0 } chosen)
            {
                Suite.Engines = chosen;
            }

            Suite.Output = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Suite.Output);
            bool isQuick = parse.GetValue(quick);
            if (!parse.GetValue(skipPyTorch))
            {
                RunPyTorch(isQuick);
            }

            foreach (string name in Suite.Models)
            {
                using var model = ModelZoo.Create(name);
                model.eval();
                model.ExportOnnx(Suite.OurOnnx(name));
            }

            double peak = Peak.Gflops(Suite.Threads);
            var config = Config(isQuick);
            Summary inference = BenchmarkRunner.Run<InferenceBenchmarks>(config);
            Summary? train = parse.GetValue(training) ? null : BenchmarkRunner.Run<TrainingBenchmarks>(config);
            var results = Results.Collect(inference, train, Path.Combine(Suite.Output, "pytorch.json"), peak);
            results.Print();
            File.WriteAllText(Path.Combine(Suite.Output, "results.md"), results.Markdown());
            Console.WriteLine($"Markdown table: {Path.Combine(Suite.Output, "results.md")}");
            if (parse.GetValue(chart) is { } path)
            {
                results.Chart(path);
                Console.WriteLine($"Chart: {path}");
            }

            return results.Complete ? 0 : 2;
        });
        return root.Parse(args).Invoke();
    }

    private static ManualConfig Config(bool quick)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithWarmupCount(quick ? 1 : 3)
            .WithIterationCount(quick ? 3 : 10)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 150 : 400));
        return ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(Suite.Output, "BenchmarkDotNet"))
            .WithOption(ConfigOptions.JoinSummary, false);
    }

    /// <summary>Runs Reference/bench_pytorch.py with Debian's python (the one that sees python3-torch).</summary>
    private static void RunPyTorch(bool quick)
    {
        string root = typeof(Program).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
        string script = Path.Combine(root, "tests", "ModelGallery.Benchmarks", "Reference", "bench_pytorch.py");
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { script, "--out", Suite.Output, "--threads", Suite.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--models", string.Join(',', Suite.Models), "--batches", string.Join(',', Suite.Batches) },
        };
        if (quick)
        {
            start.ArgumentList.Add("--min-time");
            start.ArgumentList.Add("0.5");
            start.ArgumentList.Add("--min-reps");
            start.ArgumentList.Add("3");
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The PyTorch reference failed (exit {process.ExitCode}); it needs python3-torch and python3-torchvision (apt) and /usr/bin/python3.");
        }
    }
}
