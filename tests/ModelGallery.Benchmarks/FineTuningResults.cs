using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace ModelGallery.Benchmarks;

/// <summary>One fine-tuning case on one side: median steps/s and the process's memory (MiB).</summary>
internal sealed record FineTuningMeasurement(double StepsPerSecond, double PeakRssMiB, double BaselineRssMiB, long TrainedParameters, int Runs);

/// <summary>The loader's images/s on both sides.</summary>
internal sealed record LoaderRow(int Images, double? PyTorch, double? ModelGallery);

/// <summary>One model and backbone setting on both sides, NCHW and channels-last (null where not measured).</summary>
internal sealed record FineTuningRow(string Model, string Backbone, FineTuningMeasurement? PyTorch, FineTuningMeasurement? PyTorchChannelsLast, FineTuningMeasurement? ModelGallery, FineTuningMeasurement? ModelGalleryChannelsLast)
{
    /// <summary>PyTorch's faster layout (its memory is reported with it).</summary>
    public FineTuningMeasurement? PyTorchBest => Faster(PyTorch, PyTorchChannelsLast);

    /// <summary>ModelGallery's faster layout.</summary>
    public FineTuningMeasurement? ModelGalleryBest => Faster(ModelGallery, ModelGalleryChannelsLast);

    private static FineTuningMeasurement? Faster(FineTuningMeasurement? a, FineTuningMeasurement? b) =>
        a is null ? b : b is null ? a : (b.StepsPerSecond > a.StepsPerSecond ? b : a);
}

/// <summary>The loader and fine-tuning tables: ModelGallery next to PyTorch, ratios ModelGallery ÷ PyTorch.</summary>
internal sealed class FineTuningResults(string peers, LoaderRow? loader, IReadOnlyList<FineTuningRow> fineTuning)
{
    /// <summary>Whether every cell that was asked for was measured.</summary>
    public bool Complete => (loader is null || loader is { PyTorch: not null, ModelGallery: not null })
        && fineTuning.All(row => row is { PyTorch: not null, PyTorchChannelsLast: not null, ModelGallery: not null, ModelGalleryChannelsLast: not null });

    public static FineTuningResults Collect(string pytorchJson, FineTuningSettings settings, double? loaderOurs, IReadOnlyDictionary<FineTuningCase, FineTuningMeasurement?> ours)
    {
        using var json = File.Exists(pytorchJson) ? JsonDocument.Parse(File.ReadAllText(pytorchJson)) : null;
        var root = json?.RootElement;
        LoaderRow? loader = null;
        if (settings.Loader)
        {
            var measured = root is { } r && r.TryGetProperty("loader", out var l) ? l : (JsonElement?)null;
            loader = new LoaderRow(LoaderBenchmarks.Images, measured?.GetProperty("images_per_s").GetDouble(), loaderOurs);
        }

        FineTuningMeasurement? PyTorch(FineTuningCase c) =>
            root is { } r && r.GetProperty("fine_tuning").TryGetProperty(c.Model, out var m) && m.TryGetProperty(c.Backbone, out var b) && b.TryGetProperty(c.Layout, out var v)
                ? new FineTuningMeasurement(v.GetProperty("steps_per_s").GetDouble(), v.GetProperty("peak_rss_mib").GetDouble(), v.GetProperty("baseline_rss_mib").GetDouble(),
                    v.GetProperty("trained_parameters").GetInt64(), v.GetProperty("runs").GetInt32())
                : null;
        FineTuningMeasurement? Ours(FineTuningCase c) => ours.TryGetValue(c, out var measured) ? measured : null;
        List<FineTuningRow> rows = [.. ours.Keys.Select(c => (c.Model, c.Frozen)).Distinct().Select(key =>
        {
            FineTuningCase nchw = new(key.Model, key.Frozen), last = new(key.Model, key.Frozen, ChannelsLast: true);
            return new FineTuningRow(key.Model, nchw.Backbone, PyTorch(nchw), PyTorch(last), Ours(nchw), Ours(last));
        })];
        return new FineTuningResults(Peers(root, settings), loader, rows);
    }

    /// <summary>PyTorch's versions and BLAS, and whether these numbers may be published.</summary>
    private static string Peers(JsonElement? root, FineTuningSettings settings)
    {
        var caveats = new List<string>();
        string line = "PyTorch: not measured in this run.";
        if (root is { } r)
        {
            var blas = r.GetProperty("blas");
            string libraries = string.Join(", ", blas.GetProperty("libraries").EnumerateArray().Select(l => Path.GetFileName(l.GetString())));
            line = string.Create(CultureInfo.InvariantCulture,
                $"PyTorch {r.GetProperty("torch").GetString()}, torchvision {r.GetProperty("torchvision").GetString()} on {libraries} (2048² float32 GEMM {blas.GetProperty("gemm_gflops").GetDouble():F0} GFLOP/s), {r.GetProperty("threads").GetInt32()} threads. {Suite.TorchSharpSetup}");
            if (blas.GetProperty("reference").GetBoolean())
            {
                caveats.Add("PyTorch ran on the REFERENCE BLAS");
            }
        }

        if (settings.AllowReferenceBlas)
        {
            caveats.Add("run with --allow-reference-blas");
        }

        if (settings.Quick)
        {
            caveats.Add("--quick run (few images, few iterations)");
        }

        return caveats.Count == 0 ? line : $"{line} NOT FOR PUBLISHING: {string.Join("; ", caveats)}.";
    }

    public void Print()
    {
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 240; // a log file: do not wrap the tables at 80 columns
        }

        AnsiConsole.WriteLine(peers);

        if (loader is not null)
        {
            Results.Write(LoaderTitle, LoaderHeader, [LoaderCells(loader)]);
        }

        if (fineTuning.Count > 0)
        {
            Results.Write(FineTuningTitle, FineTuningHeader, fineTuning.Select(FineTuningCells));
        }
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(peers).AppendLine();
        if (loader is not null)
        {
            text.AppendLine(LoaderTitle + ":").AppendLine();
            Table(text, LoaderHeader, [LoaderCells(loader)]);
        }

        if (fineTuning.Count > 0)
        {
            text.AppendLine(FineTuningTitle + ":").AppendLine();
            Table(text, FineTuningHeader, fineTuning.Select(FineTuningCells));
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, string[] header, IEnumerable<IEnumerable<string>> rows)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", header)} |");
        text.AppendLine(CultureInfo.InvariantCulture, $"|{string.Concat(header.Select((_, i) => i < 2 ? "---|" : "---:|"))}");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", row)} |");
        }

        text.AppendLine();
    }

    private static string LoaderTitle =>
        $"Image loader, one shuffled epoch (median): JPEG ~500×375 → RandomResizedCrop(224), flip, normalise; batch {Suite.LoaderBatch}, {Suite.LoaderWorkers} workers";

    private static string[] LoaderHeader =>
        ["loader", "images", "PyTorch DataLoader images/s", "ModelGallery ImageLoader images/s", "ModelGallery ÷ PyTorch"];

    private static IEnumerable<string> LoaderCells(LoaderRow row) =>
    [
        "ImageFolder, ClassificationPreset.ImageNet(224), training half",
        row.Images.ToString(CultureInfo.InvariantCulture), Results.Rate(row.PyTorch), Results.Rate(row.ModelGallery), Results.Times(Ratio(row.ModelGallery, row.PyTorch)),
    ];

    private static string FineTuningTitle =>
        $"Fine-tuning on preloaded batches, {Suite.FineTuningClasses}-class head, SGD momentum 0.9: steps/s (median) and the case's process peak RSS";

    private static string[] FineTuningHeader =>
    [
        "model", "backbone", "batch", "PyTorch NCHW", "PyTorch channels-last", "ModelGallery NCHW", "ModelGallery channels-last", "steps/s best ÷ best",
        "PyTorch peak RSS (MiB, best layout)", "ModelGallery peak RSS (MiB, best layout)", "peak RSS ModelGallery ÷ PyTorch", "RSS before the model, PyTorch / ModelGallery (MiB)", "trained parameters, PyTorch / ModelGallery",
    ];

    private static IEnumerable<string> FineTuningCells(FineTuningRow row) =>
    [
        row.Model, row.Backbone, Suite.FineTuningBatch.ToString(CultureInfo.InvariantCulture),
        Results.Rate(row.PyTorch?.StepsPerSecond), Results.Rate(row.PyTorchChannelsLast?.StepsPerSecond), Results.Rate(row.ModelGallery?.StepsPerSecond), Results.Rate(row.ModelGalleryChannelsLast?.StepsPerSecond),
        Results.Times(Ratio(row.ModelGalleryBest?.StepsPerSecond, row.PyTorchBest?.StepsPerSecond)),
        Mib(row.PyTorchBest?.PeakRssMiB), Mib(row.ModelGalleryBest?.PeakRssMiB), Results.Times(Ratio(row.ModelGalleryBest?.PeakRssMiB, row.PyTorchBest?.PeakRssMiB)),
        $"{Mib(row.PyTorchBest?.BaselineRssMiB)} / {Mib(row.ModelGalleryBest?.BaselineRssMiB)}",
        $"{Count(row.PyTorchBest?.TrainedParameters)} / {Count(row.ModelGalleryBest?.TrainedParameters)}",
    ];

    private static double? Ratio(double? ours, double? theirs) => ours is { } a && theirs is { } b && b > 0 ? a / b : null;

    private static string Mib(double? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";

    private static string Count(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "–";
}
