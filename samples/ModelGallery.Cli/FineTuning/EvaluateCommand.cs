using ModelGallery.Modeling;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ModelGallery.Images;
using ModelGallery.Training;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using ScottPlot;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary><c>evaluate MODEL --weights FILE --data DIR</c>: top-1/top-5, per-class accuracy and the confusion matrix (table, PNG, JSON).</summary>
internal static class EvaluateCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = GalleryCli.ModelArgument();
        var weights = new Option<string>("--weights") { Description = "Weights for the folder's classes, e.g. best.safetensors from gallery train MODEL.", Required = true }.ExistingFiles();
        var data = new Option<string>("--data") { Description = "An image folder with one sub-folder per class, the classes the weights were trained on.", Required = true };
        var batch = new Option<int>("--batch") { Description = "Images per batch.", DefaultValueFactory = _ => 32 }.InRange(1);
        var workers = new Option<int>("--workers") { Description = "Threads decoding images.", DefaultValueFactory = _ => 2 }.InRange(1, 64);
        var output = new Option<string>("--output") { Description = "Folder for confusion-matrix.png and evaluation.json.", DefaultValueFactory = _ => "evaluation" }.NotEmpty();
        var skip = new Option<bool>("--skip-bad-files") { Description = "Report unreadable images and evaluate without them." };
        var command = new Command("evaluate", "Evaluate weights on an image folder: accuracy, per-class accuracy and the confusion matrix.") { model, weights, data, batch, workers, output, skip };
        command.SetAction(parse =>
        {
            var info = ModelZoo.Get(parse.GetValue(model)!);
            string folderOut = parse.GetValue(output)!;
            TrainCommand.PrepareOutput(folderOut);
            var folder = FolderData.Open(console, parse.GetValue(data)!, parse.GetValue(skip));
            using var network = info.Create(new Modeling.ModelOptions { NumClasses = folder.Classes.Count });
            network.LoadWeights(parse.GetValue(weights)!);
            var loader = ImageLoader.ForEvaluation(folder, FolderData.EvaluationPreset(info, info.Weights.FirstOrDefault(w => w.IsDefault)), new ImageLoaderOptions { BatchSize = parse.GetValue(batch), Workers = parse.GetValue(workers) });
            var result = Trainer.Evaluate(network, loader.Epoch(0).Select(b => (b.Images, b.Labels)), folder.Classes.Count);
            Write(console, info.DisplayName, folder.Classes, result);
            File.WriteAllText(Path.Combine(folderOut, "evaluation.json"), JsonSerializer.Serialize(new { model = info.Name, classes = folder.Classes, result }, TrainCommand.Json));
            Plot(folder.Classes, result).SavePng(Path.Combine(folderOut, "confusion-matrix.png"), 700, 600);
            console.MarkupLine(Markup.Escape($"Saved {Path.Combine(folderOut, "confusion-matrix.png")} and evaluation.json."));
            return 0;
        });
        return command;
    }

    private static void Write(IAnsiConsole console, string model, IReadOnlyList<string> classes, EvaluationResult result)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{model} on {result.Count:N0} images: top-1 {result.Top1:P2}, top-5 {result.Top5:P2}")));
        var table = new Table().Title("Confusion matrix (rows: truth, columns: predicted)").AddColumn("Class").AddColumn(new TableColumn("Accuracy").RightAligned());
        for (int j = 0; j < classes.Count; j++)
        {
            table.AddColumn(new TableColumn(j.ToString(CultureInfo.InvariantCulture)).RightAligned());
        }

        for (int i = 0; i < classes.Count; i++)
        {
            string accuracy = result.PerClassAccuracy[i]?.ToString("P1", CultureInfo.InvariantCulture) ?? "-";
            table.AddRow([Markup.Escape($"{i} {classes[i]}"), accuracy, .. result.ConfusionMatrix[i].Select(n => n.ToString(CultureInfo.InvariantCulture))]);
        }

        console.Write(table);
    }

    private static Plot Plot(IReadOnlyList<string> classes, EvaluationResult result)
    {
        int n = classes.Count;
        var cells = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            long total = Math.Max(1, result.ConfusionMatrix[i].Sum());
            for (int j = 0; j < n; j++)
            {
                cells[i, j] = result.ConfusionMatrix[i][j] / (double)total;
            }
        }

        var plot = new Plot();
        var map = plot.Add.Heatmap(cells);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(map);
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"Confusion matrix (row-normalised), top-1 {result.Top1:P1}"));
        plot.Axes.Left.Label.Text = "truth";
        plot.Axes.Bottom.Label.Text = "predicted";
        var rows = new ScottPlot.TickGenerators.NumericManual();
        var columns = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < n; i++)
        {
            rows.AddMajor(n - 1 - i, classes[i]); // the heatmap draws its first row at the top
            columns.AddMajor(i, classes[i]);
        }

        plot.Axes.Left.TickGenerator = rows;
        plot.Axes.Bottom.TickGenerator = columns;
        return plot;
    }
}
