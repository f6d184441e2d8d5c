using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary>
/// <c>train</c>: LeNet-5 on Fashion-MNIST, with a progress bar per epoch, a line per epoch as it ends, saved weights,
/// a training curve and results. The output folder is checked before the first epoch; a run that diverges keeps the
/// last finite weights and still writes its results.
/// </summary>
internal static class TrainCommand
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new FiniteOrNull() } };

    public static Command Create(IAnsiConsole console)
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training images.", DefaultValueFactory = _ => 10 }.InRange(1);
        var batch = new Option<int?>("--batch") { Description = "Images per step (default 128 for Fashion-MNIST, 16 for a model on an image folder)." }.InRange(1);
        var rate = new Option<double?>("--lr") { Description = "Learning rate, a finite number above 0 (default: Adam 1e-3 for Fashion-MNIST; SGD 0.01, AdamW 1e-3)." }.Positive();
        var cosine = new Option<bool>("--cosine") { Description = "Fashion-MNIST: decay the learning rate to 0 along a half cosine." };
        var flip = new Option<bool>("--flip") { Description = "Fashion-MNIST: mirror a random half of every batch (augmentation)." };
        var seed = new Option<long>("--seed") { Description = "Seed of initialisation, shuffling, splitting and augmentation.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (the physical cores).", DefaultValueFactory = _ => 2 }.InRange(1);
        var limit = new Option<int?>("--limit") { Description = "Fashion-MNIST: train on the first N training images only (a quick run)." }.InRange(1);
        var data = new Option<string>("--data") { Description = "Fashion-MNIST's IDX folder; with a model, an image folder with one sub-folder per class.", DefaultValueFactory = _ => FashionMnist.DebianDirectory };
        var output = new Option<string?>("--output") { Description = "Folder for the weights, checkpoint, curve and results (default lenet5-fashion-mnist, or MODEL-fine-tuned)." }.NotEmpty();
        var command = new Command("train", "Train LeNet-5 on Fashion-MNIST, or fine-tune a model on your own image folder (gallery train MODEL --data DIR).")
        {
            epochs, batch, rate, cosine, flip, seed, threads, limit, data, output,
        };
        var fineTuning = new TrainCommandOptions();
        fineTuning.AddTo(command, cosine, flip, limit);
        command.SetAction(async (parse, token) =>
        {
            // System.CommandLine hooks Ctrl+C to the token only once the action has returned its task: yield first,
            // so that the training below (synchronous) runs after the hook is in place.
            await Task.Yield();
            if (parse.GetValue(fineTuning.Model) is not null)
            {
                var common = new FineTuneRun.Common(parse.GetValue(epochs), parse.GetValue(batch), parse.GetValue(rate), parse.GetValue(seed), parse.GetValue(threads), parse.GetValue(data)!, parse.GetValue(output));
                return await FineTuneRun.RunAsync(console, fineTuning, parse, common, token);
            }

            var options = TrainingOptions.FashionMnist with
            {
                Epochs = parse.GetValue(epochs),
                LearningRate = parse.GetValue(rate) ?? TrainingOptions.FashionMnist.LearningRate,
                Schedule = parse.GetValue(cosine) ? LearningRateSchedule.Cosine : LearningRateSchedule.Constant,
                Seed = parse.GetValue(seed),
            };
            var recipe = new FashionRecipe(options, parse.GetValue(batch) ?? 128, parse.GetValue(flip));
            string folder = parse.GetValue(output) ?? "lenet5-fashion-mnist";
            PrepareOutput(folder);
            return Run(console, recipe, parse.GetValue(threads), parse.GetValue(limit), parse.GetValue(data)!, folder);
        });
        return command;
    }

    /// <summary>Creates the output folder and proves it writable before any training time is spent.</summary>
    internal static void PrepareOutput(string folder)
    {
        if (File.Exists(folder))
        {
            throw new UsageException($"--output '{folder}' is a file; name a folder (it is created if missing).");
        }

        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--output '{folder}' cannot be written: {e.Message}");
        }
    }

    private static int Run(IAnsiConsole console, FashionRecipe recipe, int threads, int? limit, string data, string output)
    {
        set_num_threads(threads);
        var options = recipe.Options;
        var preprocessing = LeNet5.FashionMnist.Preset;
        using var train = FashionMnist.Load(train: true, data);
        using var test = FashionMnist.Load(train: false, data);
        long count = Math.Min(train.Count, limit ?? train.Count);
        using var trainInputs = preprocessing.Apply(train.Images.narrow(0, 0, count));
        using var trainLabels = train.Labels.narrow(0, 0, count);
        using var testInputs = preprocessing.Apply(test.Images);

        manual_seed(options.Seed);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, options);
        var results = new List<EpochResult>();
        TrainingDivergedException? diverged = null;
        int steps = (int)((count + recipe.BatchSize - 1) / recipe.BatchSize);
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                var result = RunEpoch(console, trainer, $"epoch {epoch}/{options.Epochs}", steps, trainer.Batches(trainInputs, trainLabels, recipe.BatchSize, recipe.HorizontalFlip));
                result = result with { Validation = Trainer.Evaluate(model, testInputs, test.Labels) };
                results.Add(result);
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                    $"epoch {result.Epoch}/{options.Epochs}: train loss {result.TrainLoss:0.0000}, train acc. {result.TrainAccuracy:P2}, test acc. {result.Validation.Top1:P2}, {result.TrainingTime.TotalSeconds:0.00} s, {result.ImagesPerSecond:N0} images/s");
            }
        }
        catch (TrainingDivergedException e)
        {
            diverged = e;
        }

        if (results.Count > 0)
        {
            console.Write(EpochTable(results));
        }

        string weights = Path.Combine(output, "lenet5-fashion-mnist.safetensors");
        model.SaveWeights(weights); // the last finite weights, also after a divergence
        string curve = Path.Combine(output, "training-curve.png");
        TrainingCurve.Save(results, curve);
        var summary = new { options = options.ToString(), batchSize = recipe.BatchSize, horizontalFlip = recipe.HorizontalFlip, threads, images = count, diverged = diverged?.Message, epochs = results.Select(Row) };
        File.WriteAllText(Path.Combine(output, "results.json"), JsonSerializer.Serialize(summary, Json));
        console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Saved [green]{weights}[/], [green]{curve}[/] and results.json.");
        if (diverged is not null)
        {
            throw diverged; // exit 2, after the results are safe
        }

        return 0;
    }

    /// <summary>An epoch as results.json lists it: the training measures and the test top-1 (no confusion matrix per epoch).</summary>
    internal static object Row(EpochResult r) => new { r.Epoch, r.TrainLoss, r.TrainAccuracy, TestAccuracy = r.Validation?.Top1, r.TrainingTime, r.ImagesPerSecond };

    /// <summary>One epoch with a progress bar of its batches, cleared when the epoch ends.</summary>
    private static EpochResult RunEpoch(IAnsiConsole console, Trainer trainer, string title, int steps, IEnumerable<(Tensor, Tensor)> batches) =>
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(title, maxValue: steps);
                return trainer.TrainEpoch(batches, new Inline<TrainingProgress>(p => task.Value = p.Step));
            });

    /// <summary>The Fashion-MNIST preset with the command line's batch size and augmentation.</summary>
    private sealed record FashionRecipe(TrainingOptions Options, int BatchSize, bool HorizontalFlip);

    private static Table EpochTable(IReadOnlyList<EpochResult> results)
    {
        var table = new Table().Title("LeNet-5 on Fashion-MNIST")
            .AddColumn("Epoch").AddColumn(new TableColumn("Train loss").RightAligned()).AddColumn(new TableColumn("Train acc.").RightAligned())
            .AddColumn(new TableColumn("Test acc.").RightAligned()).AddColumn(new TableColumn("Seconds").RightAligned()).AddColumn(new TableColumn("Images/s").RightAligned());
        foreach (var r in results)
        {
            table.AddRow(
                r.Epoch.ToString(CultureInfo.InvariantCulture),
                r.TrainLoss.ToString("0.0000", CultureInfo.InvariantCulture),
                r.TrainAccuracy.ToString("P2", CultureInfo.InvariantCulture),
                r.Validation?.Top1.ToString("P2", CultureInfo.InvariantCulture) ?? "-",
                r.TrainingTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                r.ImagesPerSecond.ToString("N0", CultureInfo.InvariantCulture));
        }

        return table;
    }

    /// <summary>Writes NaN and infinities as JSON null, which every reader accepts, instead of failing.</summary>
    internal sealed class FiniteOrNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value))
            {
                writer.WriteNumberValue(value);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
