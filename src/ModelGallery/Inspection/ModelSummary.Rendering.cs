using ModelGallery.Layers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ModelGallery.Inspection;

/// <summary>The renderings of a summary: text, the README's Markdown columns, and JSON.</summary>
public sealed partial class ModelSummary
{
    /// <summary>A plain-text table with one line per row and the totals underneath.</summary>
    public string ToText()
    {
        string[] header = ["Row", "Kind", "Input", "Output", "Params", "MACs", "Kernel/Stride/Pad", "Filters"];
        var lines = Rows.Select(row => new[]
        {
            row.Name,
            row.Kind,
            Shape(row.InputShape),
            Shape(row.OutputShape),
            Number(row.Parameters),
            Number(row.Macs),
            row.Geometry is { } g ? $"{Pair(g.Kernel)}/{Pair(g.Stride)}/{Pair(g.Padding)}" : "-",
            row.Filters is { } f ? Number(f) : "-",
        }).ToList();
        int[] widths = [.. header.Select((h, i) => Math.Max(h.Length, lines.Select(l => l[i].Length).DefaultIfEmpty(0).Max()))];
        bool[] right = [false, false, false, false, true, true, false, true];
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => right[i] ? c.PadLeft(widths[i]) : c.PadRight(widths[i]))).TrimEnd();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{ModelName} — input {Shape(InputShape)}");
        text.AppendLine(Line(header));
        text.AppendLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        lines.ForEach(l => text.AppendLine(Line(l)));
        text.AppendLine(new string('-', widths.Sum() + (2 * (widths.Length - 1))));
        foreach (var (label, value) in Totals())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{label}: {value}");
        }

        return text.ToString();
    }

    /// <summary>A Markdown pipe table with the README tables' columns, plus parameters and MACs, and the totals as a list.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("| Layer | Kernel Size | Number of Filter | Stride | Padding | Activation Function | Output Size | Parameters | MACs |");
        text.AppendLine("|---|---|---|---|---|---|---|---:|---:|");
        foreach (var row in Rows)
        {
            var g = row.Geometry;
            string[] cells =
            [
                $"{row.Name} ({row.Kind})",
                g is not null ? ReadmeVocabulary.Size(g.Kernel)
                    : row.Kind == "Linear" ? row.OutputShape[^1].ToString(CultureInfo.InvariantCulture) // the README's rule: units
                    : "-",
                g?.Filters is { } f ? f.ToString(CultureInfo.InvariantCulture) : "-",
                g is null ? "-" : ReadmeVocabulary.Pair(g.Stride),
                g is null ? "-" : ReadmeVocabulary.Pair(g.Padding),
                row.Activation,
                row.OutputShape.Count == 0 ? "-" : ReadmeVocabulary.SampleShape([.. row.OutputShape.Skip(1)]),
                Number(row.Parameters),
                Number(row.Macs),
            ];
            text.AppendLine("| " + string.Join(" | ", cells) + " |");
        }

        text.AppendLine();
        foreach (var (label, value) in Totals())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {label}: {value}");
        }

        return text.ToString();
    }

    /// <summary>The summary as indented JSON: the model name, input shape, rows and totals.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new
        {
            model = ModelName,
            depth = Leaves ? "leaves" : "rows",
            inputShape = InputShape,
            rows = Rows,
            totals = new
            {
                parameters = TotalParameters,
                trainableParameters = TrainableParameters,
                frozenParameters = FrozenParameters,
                macs = TotalMacs,
                inputSizeMB = InputSizeMB,
                parameterSizeMB = ParameterSizeMB,
                activationSizeMB = ActivationSizeMB,
                estimatedTotalMB = EstimatedTotalMB,
            },
        },
        JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private IEnumerable<(string Label, string Value)> Totals() =>
    [
        ("Total parameters", Number(TotalParameters)),
        ("Trainable parameters", Number(TrainableParameters)),
        ("Frozen parameters", Number(FrozenParameters)),
        ("Total MACs", $"{Number(TotalMacs)} ({TotalMacs / 1e9:0.###} G)"),
        ("Input size (MB)", Megabytes(InputSizeMB)),
        ("Parameter size (MB)", Megabytes(ParameterSizeMB)),
        ("Forward activations (MB)", Megabytes(ActivationSizeMB)),
        ("Estimated total (MB)", Megabytes(EstimatedTotalMB)),
    ];

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Megabytes(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Shape(IReadOnlyList<long> shape) => shape.Count == 0 ? "-" : string.Join("×", shape);

    private static string Pair(IReadOnlyList<long> values) => ReadmeVocabulary.Pair(values);
}
