using System.Globalization;
using System.Text;
using ModelGallery.Inspection;
using ModelGallery.Layers;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;
using TorchSharp.Modules;

namespace ModelGallery.Cli;

/// <summary>
/// Draws the README's architecture figures from the live models: every README row as a box with its output shape
/// (from a <see cref="ModelSummary"/>), and the Inception module with its four branches side by side (from a live
/// <see cref="InceptionBlock"/>). The SVG text is deterministic, so a test can tell a stale committed file.
/// </summary>
internal static class ArchitectureFigures
{
    private const int BoxWidth = 150;
    private const int BoxHeight = 58;
    private const int Gap = 22;
    private const int PerLine = 8;

    /// <summary>Every figure: file name and SVG text.</summary>
    public static IEnumerable<(string File, string Svg)> All() =>
        ModelZoo.All.Select(info => ($"{info.Name}.svg", Model(info))).Append(("inception.svg", Inception()));

    public static string Model(ModelInfo info)
    {
        using var model = info.Create();
        var summary = ModelSummary.Create(model);
        var rows = summary.Rows;
        int lines = (rows.Count + PerLine) / PerLine;
        int width = Gap + (Math.Min(rows.Count + 1, PerLine) * (BoxWidth + Gap));
        int height = 70 + (lines * (BoxHeight + Gap)) + 10;
        var svg = Begin(width, height, $"{info.DisplayName} — input {info.Input.Channels}×{info.Input.Height}×{info.Input.Width}, {summary.TotalParameters.ToString("N0", CultureInfo.InvariantCulture)} parameters, {info.DefaultClasses} classes");
        var boxes = rows.Select(r => (r.Name, r.Kind, Shape(r.OutputShape))).Prepend(("input", "image", $"{info.Input.Channels}×{info.Input.Height}×{info.Input.Width}")).ToList();
        for (int i = 0; i < boxes.Count; i++)
        {
            int x = Gap + (i % PerLine * (BoxWidth + Gap));
            int y = 60 + (i / PerLine * (BoxHeight + Gap));
            Box(svg, x, y, boxes[i].Item1, boxes[i].Item2, boxes[i].Item3);
            if (i % PerLine != PerLine - 1 && i < boxes.Count - 1)
            {
                Arrow(svg, x + BoxWidth, y + (BoxHeight / 2), x + BoxWidth + Gap, y + (BoxHeight / 2));
            }
        }

        return End(svg);
    }

    public static string Inception()
    {
        var config = GoogLeNet.Inception3a;
        using var block = new InceptionBlock(192, config);
        var modules = block.named_modules().ToDictionary(m => m.name, m => m.module);
        string Conv(string path)
        {
            var conv = (Conv2d)modules[path];
            return $"{conv.kernel_size[0]}×{conv.kernel_size[1]} conv, {conv.out_channels}";
        }

        var pool = (MaxPool2d)modules["branch4.0"];
        string[][] branches =
        [
            [Conv("branch1.conv")],
            [Conv("branch2.0.conv"), Conv("branch2.1.conv")],
            [Conv("branch3.0.conv"), Conv("branch3.1.conv")],
            [$"{pool.kernel_size[0]}×{pool.kernel_size[1]} max-pool /{pool.stride[0]}", Conv("branch4.1.conv")],
        ];
        int width = Gap + (4 * (BoxWidth + Gap));
        int height = 60 + (4 * (BoxHeight + Gap)) + 10;
        var svg = Begin(width, height, $"Inception (3a): 192 → {config.OutChannels} channels, ReLU after each conv");
        int centre = width / 2;
        Box(svg, centre - (BoxWidth / 2), 50, "input", "previous layer", "192×28×28");
        int bottom = 50 + (3 * (BoxHeight + Gap));
        for (int b = 0; b < 4; b++)
        {
            int x = Gap + (b * (BoxWidth + Gap));
            Arrow(svg, centre, 50 + BoxHeight, x + (BoxWidth / 2), 50 + BoxHeight + Gap);
            for (int s = 0; s < branches[b].Length; s++)
            {
                int y = 50 + ((s + 1) * (BoxHeight + Gap));
                Box(svg, x, y, $"branch{b + 1}", branches[b][s], string.Empty);
                int next = s == branches[b].Length - 1 ? bottom : y + BoxHeight + Gap;
                Arrow(svg, x + (BoxWidth / 2), y + BoxHeight, s == branches[b].Length - 1 ? centre : x + (BoxWidth / 2), next);
            }
        }

        Box(svg, centre - (BoxWidth / 2), bottom, "concatenate", "on channels", $"{config.OutChannels}×28×28");
        return End(svg);
    }

    private static StringBuilder Begin(int width, int height, string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\">\n");
        svg.Append("<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Gap}\" y=\"30\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Box(StringBuilder svg, int x, int y, string name, string kind, string shape)
    {
        string fill = kind switch
        {
            _ when kind.Contains("Conv", StringComparison.Ordinal) || kind.Contains("conv", StringComparison.Ordinal) => "#dbe8fb",
            _ when kind.Contains("Pool", StringComparison.Ordinal) || kind.Contains("pool", StringComparison.Ordinal) => "#dcf2e0",
            _ when kind.Contains("Linear", StringComparison.Ordinal) => "#fde7cf",
            _ when kind.Contains("Inception", StringComparison.Ordinal) || kind.Contains("Block", StringComparison.Ordinal) || kind.Contains("Bottleneck", StringComparison.Ordinal) => "#eadcf7",
            _ => "#eeeeee",
        };
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"{y}\" width=\"{BoxWidth}\" height=\"{BoxHeight}\" rx=\"6\" fill=\"{fill}\" stroke=\"#555\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BoxWidth / 2)}\" y=\"{y + 18}\" font-size=\"12\" font-weight=\"bold\" text-anchor=\"middle\">{Escape(name)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BoxWidth / 2)}\" y=\"{y + 34}\" font-size=\"10\" text-anchor=\"middle\">{Escape(kind)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (BoxWidth / 2)}\" y=\"{y + 50}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#333\">{Escape(shape)}</text>\n");
    }

    private static void Arrow(StringBuilder svg, int x1, int y1, int x2, int y2) =>
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2 - 2}\" y2=\"{y2}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>\n");

    /// <summary>A batch-first shape without the batch, as C×H×W.</summary>
    private static string Shape(IReadOnlyList<long> shape) => string.Join("×", shape.Skip(1));

    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
