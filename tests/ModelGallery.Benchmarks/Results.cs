using ModelGallery.Zoo;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;
using Spectre.Console;

namespace ModelGallery.Benchmarks;

/// <summary>One model at one batch size: images/s of every engine (null where not measured).</summary>
internal sealed record InferenceRow(string Model, int Batch, double? PyTorch, double? PyTorchChannelsLast, double? OrtPyTorchExport, double? TorchSharp, double? TorchSharpChannelsLast, double? OrtOurs, double? TorchSharpBFloat16)
{
    public double? PyTorchBest => Max(PyTorch, PyTorchChannelsLast);

    public double? EagerBest => Max(TorchSharp, TorchSharpChannelsLast);

    public static double? Ratio(double? a, double? b) => a is { } x && b is { } y && y > 0 ? x / y : null;

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}

/// <summary>One training case: steps/s of each engine and layout.</summary>
internal sealed record TrainingRow(string Case, double? PyTorch, double? PyTorchChannelsLast, double? TorchSharp, double? TorchSharpChannelsLast);

/// <summary>The side-by-side results: the .NET engines' median call or step next to the PyTorch reference's.</summary>
internal sealed class Results(IReadOnlyList<InferenceRow> inference, IReadOnlyList<TrainingRow> training, IReadOnlyList<double> peakSamples, string peers)
{
    private IReadOnlyList<InferenceRow> Inference => inference;

    private IReadOnlyList<TrainingRow> Training => training;

    private IReadOnlyList<double> PeakSamples => peakSamples;

    private string Peers => peers;

    private double MeasuredPeakGflops => peakSamples.Count == 0 ? double.NaN : peakSamples.Max();

    /// <summary>The FP32 peak the issue quotes for this machine type (an AVX-512 FMA loop on 2 cores).</summary>
    private const double QuotedPeakGflops = 533;

    /// <summary>Whether every cell was measured.</summary>
    public bool Complete => inference.All(row => Suite.Engines.All(engine => engine switch
    {
        Engine.TorchSharp => row.TorchSharp is not null,
        Engine.TorchSharpChannelsLast => row.TorchSharpChannelsLast is not null,
        Engine.OnnxRuntime => row.OrtOurs is not null,
        Engine.OnnxRuntimePyTorchExport => row.OrtPyTorchExport is not null,
        _ => row.TorchSharpBFloat16 is not null,
    }));

    public static Results Collect(IReadOnlyDictionary<(string Model, int Batch, Engine Engine), double>? inference, IReadOnlyDictionary<(TrainingCase Case, bool ChannelsLast), double>? training, string pytorchJson, IReadOnlyList<double> peakSamples)
    {
        using var json = File.Exists(pytorchJson) ? JsonDocument.Parse(File.ReadAllText(pytorchJson)) : null;
        double? PyTorch(string model, string layout, int batch) =>
            json is not null && json.RootElement.GetProperty("inference").TryGetProperty(model, out var m) && m.TryGetProperty(layout, out var l) && l.TryGetProperty(batch.ToString(CultureInfo.InvariantCulture), out var v) ? v.GetDouble() : null;
        double? PyTorchTraining(string model, string layout) =>
            json is not null && json.RootElement.GetProperty("training").TryGetProperty(model, out var m) && m.TryGetProperty(layout, out var l) ? l.GetProperty("steps_per_s").GetDouble() : null;

        double? Ours(string model, int batch, Engine engine) => inference is not null && inference.TryGetValue((model, batch, engine), out double rate) ? rate : null;

        List<InferenceRow> rows = inference is null ? [] : [.. Suite.Models.SelectMany(model => Suite.Batches.Select(batch => new InferenceRow(model, batch,
            PyTorch(model, "nchw", batch), PyTorch(model, "channels_last", batch), Ours(model, batch, Engine.OnnxRuntimePyTorchExport),
            Ours(model, batch, Engine.TorchSharp), Ours(model, batch, Engine.TorchSharpChannelsLast), Ours(model, batch, Engine.OnnxRuntime),
            Ours(model, batch, Engine.TorchSharpBFloat16))))];

        List<TrainingRow> trainingRows = [];
        if (training is not null)
        {
            trainingRows = [.. Suite.TrainingCases.Where(c => Suite.Models.Contains(c.Model)).Select(c => new TrainingRow(c.ToString(),
                PyTorchTraining(c.Model, "nchw"), PyTorchTraining(c.Model, "channels_last"),
                training.TryGetValue((c, false), out double plain) ? plain : null, training.TryGetValue((c, true), out double last) ? last : null))];
        }

        string load = Suite.LoadSamples.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture,
            $" Load average (1 min) at the start and end of the .NET inference run: {string.Join(", ", Suite.LoadSamples.Select(l => l.ToString("F2", CultureInfo.InvariantCulture)))} on {Environment.ProcessorCount} vCPUs.");
        return new Results(rows, trainingRows, [.. peakSamples], PeersOf(json) + load);
    }

    /// <summary>
    /// Each cell's median over rounds measured in turn (PyTorch, then .NET, then PyTorch again): every engine's rate is
    /// the median of its rates, and the ratios are taken between those medians. One round is returned as it is.
    /// </summary>
    public static Results Median(IReadOnlyList<Results> rounds)
    {
        if (rounds.Count == 1)
        {
            return rounds[0];
        }

        double? Of<T>(Func<T, double?> field, IEnumerable<T> rows)
        {
            double[] values = [.. rows.Select(field).OfType<double>().Order()];
            return values.Length == 0 ? null : values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
        }

        List<InferenceRow> rows = [.. rounds[0].Inference.Select((row, i) =>
        {
            var all = rounds.Select(round => round.Inference[i]).ToList();
            return row with
            {
                PyTorch = Of(r => r.PyTorch, all), PyTorchChannelsLast = Of(r => r.PyTorchChannelsLast, all), OrtPyTorchExport = Of(r => r.OrtPyTorchExport, all),
                TorchSharp = Of(r => r.TorchSharp, all), TorchSharpChannelsLast = Of(r => r.TorchSharpChannelsLast, all), OrtOurs = Of(r => r.OrtOurs, all),
                TorchSharpBFloat16 = Of(r => r.TorchSharpBFloat16, all),
            };
        })];
        List<TrainingRow> trainingRows = [.. rounds[0].Training.Select((row, i) =>
        {
            var all = rounds.Select(round => round.Training[i]).ToList();
            return row with
            {
                PyTorch = Of(r => r.PyTorch, all), PyTorchChannelsLast = Of(r => r.PyTorchChannelsLast, all),
                TorchSharp = Of(r => r.TorchSharp, all), TorchSharpChannelsLast = Of(r => r.TorchSharpChannelsLast, all),
            };
        })];
        var last = rounds[^1];
        return new Results(rows, trainingRows, last.PeakSamples, $"{last.Peers} Every cell is the median of {rounds.Count} rounds (PyTorch, then .NET, in turn).");
    }

    /// <summary>The PyTorch peer's version and BLAS as its script found them (library, measured 2048² GEMM).</summary>
    private static string PeersOf(JsonDocument? json)
    {
        if (json is null || !json.RootElement.TryGetProperty("blas", out var blas))
        {
            return $"PyTorch: not measured in this run. {Suite.TorchSharpSetup}";
        }

        string libraries = string.Join(", ", blas.GetProperty("libraries").EnumerateArray().Select(l => Path.GetFileName(l.GetString())));
        return string.Create(CultureInfo.InvariantCulture,
            $"PyTorch {json.RootElement.GetProperty("torch").GetString()} on {libraries} (2048² float32 GEMM {blas.GetProperty("gemm_gflops").GetDouble():F0} GFLOP/s), {json.RootElement.GetProperty("threads").GetInt32()} threads{(blas.GetProperty("reference").GetBoolean() ? " — REFERENCE BLAS, not for publishing" : string.Empty)}. {Suite.TorchSharpSetup}");
    }

    public void Print()
    {
        AnsiConsole.WriteLine(peers);
        if (Console.IsOutputRedirected)
        {
            AnsiConsole.Profile.Width = 200; // a log file: do not wrap the table at 80 columns
        }

        if (inference.Count > 0)
        {
            Write("images/s (median), and ratios", InferenceHeader, inference.Select(InferenceCells));
        }
        if (training.Count > 0)
        {
            Write("training steps/s (median)", TrainingHeader, training.Select(TrainingCells));
        }

        if (inference.Count > 0)
        {
            AnsiConsole.WriteLine(PeakLine());
        }
    }

    internal static void Write(string title, string[] header, IEnumerable<IEnumerable<string>> rows)
    {
        var table = new Table().Title(title);
        foreach (string column in header)
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        AnsiConsole.Write(table);
    }

    /// <summary>The measured peak, and VGG16's efficiency in ONNX Runtime against it, when VGG16 at batch 32 was run.</summary>
    public string PeakLine()
    {
        string samples = string.Join(", ", peakSamples.Select(sample => sample.ToString("F0", CultureInfo.InvariantCulture)));
        string line = $"FP32 peak measured on this machine: {MeasuredPeakGflops:F0} GFLOP/s ({Suite.Threads} threads, FMA chains; the highest of {peakSamples.Count} samples in this run: {samples}).";
        if (inference.FirstOrDefault(row => row is { Model: "vgg16", Batch: 32 }) is { OrtOurs: { } vgg })
        {
            double gflops = Gflops(vgg, "vgg16");
            line += $" VGG16 batch 32 in ONNX Runtime (our export): {gflops:F0} GFLOP/s = {gflops / MeasuredPeakGflops:P0} of it ({gflops / QuotedPeakGflops:P0} of the {QuotedPeakGflops} GFLOP/s quoted in the issue).";
        }

        return line;
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(peers).AppendLine();
        if (inference.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", InferenceHeader)} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"|{string.Concat(InferenceHeader.Select((_, i) => i < 2 ? "---|" : "---:|"))}");
            foreach (var row in inference)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", InferenceCells(row))} |");
            }
        }

        if (training.Count > 0)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", TrainingHeader)} |");
            text.AppendLine(CultureInfo.InvariantCulture, $"|{string.Concat(TrainingHeader.Select((_, i) => i < 1 ? "---|" : "---:|"))}");
            foreach (var row in training)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", TrainingCells(row))} |");
            }
        }

        if (inference.Count > 0)
        {
            text.AppendLine().AppendLine(PeakLine());
        }

        return text.ToString();
    }

    /// <summary>
    /// Speed relative to PyTorch's best layout, per model and batch, for the eager path and both ONNX graphs, on a
    /// log axis (ratios from 0.2× to 6× side by side) with the legend below the plot, so no bar or label is hidden.
    /// </summary>
    public void Chart(string path)
    {
        var plot = new Plot();
        string[] series = ["TorchSharp eager (best layout)", "ONNX Runtime, ModelGallery export", "ONNX Runtime, PyTorch export"];
        Func<InferenceRow, double?>[] values = [row => row.EagerBest, row => row.OrtOurs, row => row.OrtPyTorchExport];
        ScottPlot.Color[] colors = [Colors.SteelBlue, Colors.SeaGreen, Colors.Gray];
        var ratios = inference.SelectMany(row => values.Select(v => InferenceRow.Ratio(v(row), row.PyTorchBest))).OfType<double>().Where(r => r > 0).DefaultIfEmpty(1).ToList();
        double floor = Math.Floor(Math.Log10(Math.Min(ratios.Min(), 1) / 1.5)), ceiling = Math.Ceiling(Math.Log10(Math.Max(ratios.Max(), 1) * 1.5) * 4) / 4;
        for (int s = 0; s < series.Length; s++)
        {
            var bars = new List<Bar>();
            for (int r = 0; r < inference.Count; r++)
            {
                if (InferenceRow.Ratio(values[s](inference[r]), inference[r].PyTorchBest) is not { } ratio || ratio <= 0)
                {
                    continue;
                }

                bars.Add(new Bar { Position = (r * (series.Length + 1)) + s, ValueBase = floor, Value = Math.Log10(ratio), FillColor = colors[s], Label = ratio.ToString(ratio < 10 ? "F2" : "F1", CultureInfo.InvariantCulture) });
            }

            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[s];
            plotted.ValueLabelStyle.FontSize = 8;
        }

        var groups = Enumerable.Range(0, inference.Count).Select(r => new Tick((r * (series.Length + 1)) + 1, $"{inference[r].Model}\nb{inference[r].Batch}"));
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. groups]);
        double[] steps = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];
        var levels = steps.Where(v => Math.Log10(v) >= floor - 1e-9 && Math.Log10(v) <= ceiling + 1e-9).Select(v => new Tick(Math.Log10(v), v.ToString(CultureInfo.InvariantCulture) + "×"));
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. levels]);
        plot.Axes.SetLimitsY(floor, ceiling);
        var line = plot.Add.HorizontalLine(0, 1, Colors.Black, LinePattern.Dashed);
        line.LegendText = "PyTorch, best of NCHW and channels-last (= 1×)";
        plot.YLabel("images/s relative to PyTorch (×, log scale)");
        plot.Title($"Inference, {Suite.Threads} threads, fp32: images/s relative to PyTorch's best layout");
        plot.ShowLegend(Edge.Bottom);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SaveSvg(path, Math.Max(900, inference.Count * 75), 540);
    }

    private static string[] InferenceHeader =>
    [
        "model", "batch", "PyTorch NCHW", "PyTorch channels-last", "ORT (PyTorch export)", "TorchSharp NCHW", "TorchSharp channels-last", "ORT (our export)",
        "eager ÷ PyTorch best", "eager ÷ ORT (PyTorch export)", "our ORT ÷ PyTorch's ORT", "TorchSharp bf16 (opt-in)", "bf16 ÷ fp32 eager best",
    ];

    private static string[] TrainingHeader => ["case", "PyTorch NCHW", "PyTorch channels-last", "TorchSharp NCHW", "TorchSharp channels-last", "best ÷ PyTorch best"];

    private static IEnumerable<string> InferenceCells(InferenceRow row) =>
    [
        row.Model, row.Batch.ToString(CultureInfo.InvariantCulture),
        Rate(row.PyTorch), Rate(row.PyTorchChannelsLast), Rate(row.OrtPyTorchExport), Rate(row.TorchSharp), Rate(row.TorchSharpChannelsLast), Rate(row.OrtOurs),
        Times(InferenceRow.Ratio(row.EagerBest, row.PyTorchBest)), Times(InferenceRow.Ratio(row.EagerBest, row.OrtPyTorchExport)), Times(InferenceRow.Ratio(row.OrtOurs, row.OrtPyTorchExport)),
        Rate(row.TorchSharpBFloat16), Times(InferenceRow.Ratio(row.TorchSharpBFloat16, row.EagerBest)),
    ];

    private static IEnumerable<string> TrainingCells(TrainingRow row) =>
    [
        row.Case, Rate(row.PyTorch), Rate(row.PyTorchChannelsLast), Rate(row.TorchSharp), Rate(row.TorchSharpChannelsLast),
        Times(InferenceRow.Ratio(Max(row.TorchSharp, row.TorchSharpChannelsLast), Max(row.PyTorch, row.PyTorchChannelsLast))),
    ];

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    /// <summary>FP32 GFLOP/s at a rate of images: two FLOPs per multiply-accumulate, the MACs measured by the registry.</summary>
    private static double Gflops(double imagesPerSecond, string model) => 2 * ModelZoo.Get(model).Macs / 1e9 * imagesPerSecond;

    internal static string Rate(double? value) => value switch
    {
        null => "–",
        >= 100 => value.Value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.Value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.Value.ToString("F2", CultureInfo.InvariantCulture),
    };

    internal static string Times(double? ratio) => ratio is { } r ? r.ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";
}
