using System.Globalization;
using ModelGallery.Tests.Readme;

namespace ModelGallery.Tests.Inspection;

/// <summary>
/// Multiply-accumulates per image computed from a README architecture table alone, with the layer formulas:
/// a convolution costs output H·W·C × input C × k², a fully connected layer input × output features, an
/// Inception module the sum of its six convolutions. Independent of the library's own counting.
/// </summary>
internal static class ReadmeMacs
{
    public static long PerImage(MarkdownTable table)
    {
        int layer = table.Column("Layer");
        int output = table.Column("Output Size");
        bool combined = table.Header.Contains("Kernel Size / Stride / Padding");
        int kernel = table.Column(combined ? "Kernel Size / Stride / Padding" : "Kernel Size");
        long channels = 0, features = 0;
        long total = 0;
        foreach (var row in table.Rows)
        {
            long[] shape = [.. row[output].Split(" x ").Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
            string name = row[layer];
            if (name.StartsWith("Convolution", StringComparison.Ordinal))
            {
                long k = long.Parse(row[kernel].Split(" x ")[0], CultureInfo.InvariantCulture);
                total += shape[0] * shape[1] * shape[2] * channels * k * k;
            }
            else if (name == "Fully Connected")
            {
                total += features * shape[0];
            }
            else if (name.StartsWith("Inception", StringComparison.Ordinal))
            {
                // torchvision's "5x5" branch is 3x3; its table's column header says so.
                bool small = table.Header.Contains("#5x5 (3x3 kernel)");
                long N(string column) => long.Parse(row[table.Column(column)], CultureInfo.InvariantCulture);
                long perPixel = (channels * N("#1x1")) + (channels * N("#3x3 reduce")) + (N("#3x3 reduce") * N("#3x3") * 9)
                    + (channels * N("#5x5 reduce")) + (N("#5x5 reduce") * N(small ? "#5x5 (3x3 kernel)" : "#5x5") * (small ? 9 : 25)) + (channels * N("pool proj"));
                total += perPixel * shape[0] * shape[1];
            }

            (channels, features) = shape.Length == 3 ? (shape[2], shape[0] * shape[1] * shape[2]) : (channels, shape[0]);
        }

        return total;
    }
}
