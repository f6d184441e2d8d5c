using System.CommandLine;
using ModelGallery.Onnx;
using ModelGallery.Zoo;

namespace ModelGallery.Benchmarks;

/// <summary>
/// One command, side by side: the PyTorch reference script, then TorchSharp (NCHW and channels-last) and ONNX Runtime
/// (ModelGallery's export and PyTorch's), each call or training step timed as the script times PyTorch's, then one
/// table of images/s and ratios.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs (at least 3 calls and 0.5 s per case instead of 5 and 2 s) for a first look; the published table uses full runs." };
        var models = new Option<string>("--models") { Description = "Comma-separated registry names.", DefaultValueFactory = _ => "lenet5,alexnet,vgg16,googlenet,resnet18,resnet50" };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "1,8,32" };
        var threads = new Option<int>("--threads") { Description = "Threads for every engine (PyTorch, TorchSharp, ONNX Runtime).", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--output") { Description = "Folder for results, exports and BenchmarkDotNet artifacts.", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "modelgallery-benchmarks") };
        var chart = new Option<string?>("--chart") { Description = "Also draw the ratios as an SVG chart at this path (the README's is figures/benchmarks.svg)." };
        var skipPyTorch = new Option<bool>("--reuse-pytorch") { Description = "Reuse pytorch.json and the PyTorch exports already in the output folder." };
        var training = new Option<bool>("--no-training") { Description = "Skip the training benchmarks." };
        var engines = new Option<Engine[]>("--engines") { Description = "Which .NET engines to run (default: all).", AllowMultipleArgumentsPerToken = true };
        var noInference = new Option<bool>("--no-inference") { Description = "Skip the inference benchmarks (and the ONNX exports); with --no-training, only --loader, --fine-tuning, --accuracy, --profile and --save run." };
        var loader = new Option<bool>("--loader") { Description = "Also run the image loader benchmark: ImageLoader against torchvision's ImageFolder + DataLoader on a folder of JPEG photos." };
        var fineTuning = new Option<bool>("--fine-tuning") { Description = "Also run the fine-tuning benchmark: Trainer steps/s and peak RSS against PyTorch, GoogLeNet (torchvision) and ResNet-18, backbone frozen and not, NCHW and channels-last." };
        var fineTuningModels = new Option<string>("--fine-tuning-models") { Description = "Comma-separated models for --fine-tuning.", DefaultValueFactory = _ => "googlenet-torchvision,resnet18" };
        var imagesPerClass = new Option<int?>("--loader-images") { Description = "Images per class (4 classes) for --loader (default 100, 25 with --quick)." };
        var allowReferenceBlas = new Option<bool>("--allow-reference-blas") { Description = "Let the PyTorch side run on the reference BLAS; the results are marked not for publishing." };
        var accuracy = new Option<bool>("--accuracy") { Description = "Also measure the fine-tuning accuracy goals: LeNet-5 through PNG folders against the IDX path, a frozen-backbone ResNet-18 on a Fashion-MNIST subset, and a real ImageNet backbone (ML.NET's ResNet18.onnx, imported) frozen on that subset against PyTorch and a random backbone." };
        var accuracyRealOnly = new Option<bool>("--accuracy-real-only") { Description = "With --accuracy, only the real-weights rows (ML.NET's backbone against PyTorch and a random backbone): no LeNet-5, no seeded ResNet-18." };
        var accuracyWeights = new Option<string?>("--accuracy-weights") { Description = "A torchvision resnet18 .pth for the frozen-backbone accuracy case (default: torchvision's initialisation)." };
        var noLatency = new Option<bool>("--no-latency") { Description = "Skip the batch-1 latency run (p50/p99 per call) after the inference benchmarks." };
        var fold = new Option<bool>("--fold") { Description = "Run the eager engines (and the latency run's) after FoldBatchNorm(), to measure what folding gains." };
        var profile = new Option<bool>("--profile") { Description = "Also profile the eager forward per layer kind (leaf-module hooks), beside PyTorch's, each in its faster layout." };
        var profileBatch = new Option<int>("--profile-batch") { Description = "Batch size for --profile (1 or more).", DefaultValueFactory = _ => 8 };
        AtLeastOne(profileBatch);
        var save = new Option<bool>("--save") { Description = "Also compare saving weights: SaveWeights against torch.save for AlexNet and VGG-16 (best of --save-repeats, ratio goal ≤ 1.0×), and PyTorch loading each saved file with strict=True (exit 2 if it does not). .ci/run runs it with --no-inference --no-training." };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of the inference, training and latency runs (PyTorch, then .NET, alternating); the tables give each cell's median over the rounds, so a machine whose speed drifts by the minute does not decide a ratio.", DefaultValueFactory = _ => 1 };
        AtLeastOne(rounds);
        var saveRepeats = new Option<int>("--save-repeats") { Description = "Saves per side and model for --save; the best counts.", DefaultValueFactory = _ => 3 };
        var fineTuningCase = new Option<string?>("--fine-tuning-case") { Description = "Internal: run one fine-tuning case (model:frozen|unfrozen:nchw|channels_last) in this process.", Hidden = true };
        var root = new RootCommand("ModelGallery's side-by-side benchmarks: PyTorch, TorchSharp and ONNX Runtime on the README's architectures.")
        {
            quick, models, batches, threads, output, chart, skipPyTorch, training, engines,
            noInference, loader, fineTuning, fineTuningModels, imagesPerClass, allowReferenceBlas, accuracy, accuracyRealOnly, accuracyWeights, noLatency, fold, profile, profileBatch, save, saveRepeats, rounds, fineTuningCase,
        };
        root.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            Suite.Threads = parse.GetValue(threads);
            Suite.FoldBatchNorm = parse.GetValue(fold);
            Suite.Output = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Suite.Output);
            Suite.StepsPerEpoch = isQuick ? 1 : Suite.StepsPerEpoch;
            if (parse.GetValue(fineTuningCase) is { } oneCase)
            {
                return FineTuningRun.RunCase(FineTuningCase.Parse(oneCase), isQuick); // a child process of the run below
            }

            Suite.FineTuningCases = [.. FineTuningCase.All(parse.GetValue(fineTuningModels)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
            var fineTuningSettings = new FineTuningSettings(parse.GetValue(loader), parse.GetValue(fineTuning), isQuick, parse.GetValue(allowReferenceBlas),
                parse.GetValue(imagesPerClass) ?? (isQuick ? 25 : 100));
            bool inference = !parse.GetValue(noInference), train = !parse.GetValue(training);
            var markdown = new System.Text.StringBuilder();
            if (fineTuningSettings.AllowReferenceBlas)
            {
                markdown.AppendLine("**Not for publishing**: run with `--allow-reference-blas`.").AppendLine();
            }

            bool complete = true;
            if (inference || train)
            {
                var results = RunInference(parse, isQuick, inference, train, fineTuningSettings.AllowReferenceBlas);
                complete = results.Complete;
                markdown.Append(results.Markdown());
                if (inference && !parse.GetValue(noLatency))
                {
                    markdown.AppendLine().Append(LatencyRun.Run(isQuick, parse.GetValue(rounds)));
                }
            }

            if (parse.GetValue(profile))
            {
                Suite.Models = [.. parse.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => ModelZoo.Get(name).Name)];
                markdown.AppendLine().Append(ProfileRun.Run(parse.GetValue(profileBatch), fineTuningSettings.AllowReferenceBlas));
            }

            if (fineTuningSettings is { Loader: true } or { FineTuning: true })
            {
                var results = FineTuningRun.Run(fineTuningSettings);
                results.Print();
                complete &= results.Complete;
                markdown.AppendLine().Append(results.Markdown());
            }

            if (parse.GetValue(save))
            {
                var (table, loaded) = SaveRun.Run(parse.GetValue(saveRepeats));
                complete &= loaded;
                markdown.AppendLine().Append(table);
            }

            if (parse.GetValue(accuracy))
            {
                markdown.AppendLine().Append(AccuracyRun.Run(parse.GetValue(accuracyWeights), isQuick, parse.GetValue(accuracyRealOnly)));
            }

            File.WriteAllText(Path.Combine(Suite.Output, "results.md"), markdown.ToString());
            Console.WriteLine($"Markdown table: {Path.Combine(Suite.Output, "results.md")}");
            return complete ? 0 : 2;
        });
        return root.Parse(args).Invoke();

        // The README's inference and training comparison (PyTorch reference, ONNX exports, BenchmarkDotNet).
        Results RunInference(ParseResult parse, bool isQuick, bool inference, bool train, bool allowReferenceBlas)
        {
            Suite.Models = [.. parse.GetValue(models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name => ModelZoo.Get(name).Name)];
            Suite.Batches = [.. parse.GetValue(batches)!.Split(',').Select(int.Parse)];
            if (parse.GetValue(engines) is { Length: > 0 } chosen)
            {
                Suite.Engines = chosen;
            }
            else if (!ModelGallery.Native.OneDnn.Enabled)
            {
                // libtorch's bfloat16 convolutions without oneDNN take seconds per image (VGG-16 at batch 32: 23 s per
                // call), beyond BenchmarkDotNet's in-process limit; measured only when asked for by name.
                Suite.Engines = [.. Suite.Engines.Where(engine => engine != Engine.TorchSharpBFloat16)];
                Console.WriteLine($"oneDNN is off ({ModelGallery.Native.OneDnn.DisabledReason}): the bfloat16 engine is skipped (--engines TorchSharpBFloat16 runs it).");
            }

            if (inference)
            {
                foreach (string name in Suite.Models)
                {
                    using var model = ModelZoo.Create(name);
                    model.eval();
                    model.ExportOnnx(Suite.OurOnnx(name));
                }
            }

            int roundCount = parse.GetValue(rounds);
            var measured = new List<Results>();
            for (int round = 1; round <= roundCount; round++)
            {
                if (!parse.GetValue(skipPyTorch))
                {
                    RunPyTorch(isQuick, allowReferenceBlas);
                }

                Dictionary<(string Model, int Batch, Engine Engine), double>? inferenceRates = null;
                if (inference)
                {
                    Suite.PeakSamples.Add(Peak.Gflops(Suite.Threads));
                    inferenceRates = InferenceRun.Run(isQuick);
                    Suite.PeakSamples.Add(Peak.Gflops(Suite.Threads));
                }

                var trainRates = train ? TrainingRun.Run(isQuick) : null;
                measured.Add(Results.Collect(inferenceRates, trainRates, Path.Combine(Suite.Output, "pytorch.json"), Suite.PeakSamples));
                if (roundCount > 1)
                {
                    Console.WriteLine($"Round {round} of {roundCount}:");
                    measured[^1].Print();
                }
            }

            var results = Results.Median(measured);
            if (roundCount > 1)
            {
                Console.WriteLine($"Medians of the {roundCount} rounds:");
            }

            results.Print();
            if (parse.GetValue(chart) is { } path)
            {
                results.Chart(path);
                Console.WriteLine($"Chart: {path}");
            }

            return results;
        }
    }

    /// <summary>Refuses a value below 1 with a line naming the option; values that do not parse the parser reports itself.</summary>
    private static void AtLeastOne(Option<int> option) => option.Validators.Add(result =>
    {
        foreach (var token in result.Tokens)
        {
            if (int.TryParse(token.Value, System.Globalization.CultureInfo.InvariantCulture, out int value) && value < 1)
            {
                result.AddError($"{option.Name} must be at least 1; received {value}.");
            }
        }
    });

    /// <summary>Runs Reference/bench_pytorch.py (inference, training and PyTorch's ONNX exports).</summary>
    private static void RunPyTorch(bool quick, bool allowReferenceBlas)
    {
        List<string> arguments = ["--out", Suite.Output, "--threads", Suite.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--models", string.Join(',', Suite.Models), "--batches", string.Join(',', Suite.Batches)];
        if (quick)
        {
            arguments.AddRange(["--min-time", "0.5", "--min-reps", "3"]);
        }

        if (allowReferenceBlas)
        {
            arguments.Add("--allow-reference-blas");
        }

        Reference.Run("bench_pytorch.py", arguments, "python3-torch and python3-torchvision (apt)");
    }
}
