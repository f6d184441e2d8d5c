using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary><c>train</c>: LeNet-5 on Fashion-MNIST, with progress bars, a per-epoch table, saved weights and a training curve.</summary>
internal static class TrainCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(IAnsiConsole console)
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the 60,000 training images.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch") { Description = "Images per step.", DefaultValueFactory = _ => 128 };
        var rate = new Option<double>("--lr") { Description = "Adam's learning rate.", DefaultValueFactory = _ => 1e-3 };
        var cosine = new Option<bool>("--cosine") { Description = "Decay the learning rate to 0 along a half cosine." };
        var flip = new Option<bool>("--flip") { Description = "Mirror a random half of every batch (augmentation)." };
        var seed = new Option<long>("--seed") { Description = "Seed of initialisation, shuffling and augmentation.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (the physical cores).", DefaultValueFactory = _ => 2 };
        var limit = new Option<int?>("--limit") { Description = "Train on the first N training images only (a quick run)." };
        var data = new Option<string>("--data") { Description = "Folder with Fashion-MNIST's IDX files.", DefaultValueFactory = _ => FashionMnist.DebianDirectory };
        var output = new Option<string>("--output") { Description = "Folder for the weights, the curve and the results.", DefaultValueFactory = _ => "lenet5-fashion-mnist" };
        foreach (var option in new[] { epochs, batch, threads })
        {
            GalleryCli.RequireAtLeastOne(option);
        }

        var command = new Command("train", "Train LeNet-5 on Fashion-MNIST; saves safetensors weights, a training curve (PNG) and results (JSON).")
        {
            epochs, batch, rate, cosine, flip, seed, threads, limit, data, output,
        };
        command.SetAction(parse =>
        {
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(rate),
                CosineSchedule = parse.GetValue(cosine),
                HorizontalFlip = parse.GetValue(flip),
                Seed = parse.GetValue(seed),
            };
            try
            {
                return Run(console, options, parse.GetValue(threads), parse.GetValue(limit), parse.GetValue(data)!, parse.GetValue(output)!);
            }
            catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
            {
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{e.Message}[/]");
                return 2;
            }
        });
        return command;
    }

    private static int Run(IAnsiConsole console, TrainingOptions options, int threads, int? limit, string data, string output)
    {
        set_num_threads(threads);
        var preprocessing = ImagePreprocessing.FashionMnistLeNet5;
        using var train = FashionMnist.Load(FashionMnistSplit.Train, data);
        using var test = FashionMnist.Load(FashionMnistSplit.Test, data);
        long count = Math.Min(train.Count, limit ?? train.Count);
        using var trainInputs = preprocessing.Apply(train.Images.narrow(0, 0, count));
        using var trainLabels = train.Labels.narrow(0, 0, count);
        using var testInputs = preprocessing.Apply(test.Images);

        manual_seed(options.Seed);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, options);
        var results = new List<EpochResult>();
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var epochTask = context.AddTask("epochs", maxValue: options.Epochs);
                var batchTask = context.AddTask("batches");
                for (int epoch = 1; epoch <= options.Epochs; epoch++)
                {
                    batchTask.Value = 0;
                    var progress = new Inline<(int Done, int Total)>(p =>
                    {
                        batchTask.MaxValue = p.Total;
                        batchTask.Value = p.Done;
                    });
                    results.Add(trainer.RunEpoch(trainInputs, trainLabels, testInputs, test.Labels, progress));
                    epochTask.Increment(1);
                }
            });

        var table = new Table().Title("LeNet-5 on Fashion-MNIST")
            .AddColumn("Epoch").AddColumn(new TableColumn("Train loss").RightAligned()).AddColumn(new TableColumn("Train acc.").RightAligned())
            .AddColumn(new TableColumn("Test acc.").RightAligned()).AddColumn(new TableColumn("Seconds").RightAligned()).AddColumn(new TableColumn("Images/s").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                r.Epoch.ToString(CultureInfo.InvariantCulture),
                r.TrainLoss.ToString("0.0000", CultureInfo.InvariantCulture),
                r.TrainAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                r.TestAccuracy?.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                r.TrainingTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                r.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        Directory.CreateDirectory(output);
        string weights = Path.Combine(output, "lenet5-fashion-mnist.safetensors");
        model.SaveWeights(weights);
        string curve = Path.Combine(output, "training-curve.png");
        TrainingCurve.Save(results, curve);
        File.WriteAllText(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { options, threads, images = count, epochs = results }, Indented));
        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Saved [green]{weights}[/], [green]{curve}[/] and results.json.");
        return 0;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, at once.</summary>
    private sealed class Inline<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
