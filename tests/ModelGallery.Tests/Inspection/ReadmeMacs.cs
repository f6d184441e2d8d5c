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

            else if (name.StartsWith("conv", StringComparison.Ordinal) && name.Contains(" × ", StringComparison.Ordinal))
            {
                total += ResidualStage(name, channels, shape, long.Parse(row[table.Column("Stride")], CultureInfo.InvariantCulture), row[kernel], row[table.Column("Number of Filter")]);
            }

            (channels, features) = shape.Length == 3 ? (shape[2], shape[0] * shape[1] * shape[2]) : (channels, shape[0]);
        }

        return total;
    }

    /// <summary>
    /// A stage of residual blocks ("conv3_x: 2 × BasicBlock"): each block's main path, convolutions before the first
    /// 3×3 at the input size and the rest at the output size (the 3×3 carries the stride), plus, in the first block, a
    /// 1×1 projection of the input when the stride or the channel count changes.
    /// </summary>
    private static long ResidualStage(string name, long inChannels, long[] output, long stride, string kernels, string filters)
    {
        int blocks = int.Parse(name.Split(": ")[1].Split(" × ")[0], CultureInfo.InvariantCulture);
        long[] k = [.. kernels.Split(", ").Select(cell => long.Parse(cell.Split(" x ")[0], CultureInfo.InvariantCulture))];
        long[] f = [.. filters.Split(", ").Select(cell => long.Parse(cell, CultureInfo.InvariantCulture))];
        long outArea = output[0] * output[1];
        long total = 0;
        for (int block = 0; block < blocks; block++)
        {
            long channels = block == 0 ? inChannels : f[^1];
            long area = block == 0 ? outArea * stride * stride : outArea;
            for (int i = 0; i < k.Length; i++)
            {
                if (k[i] == 3)
                {
                    area = outArea;
                }

                total += area * channels * f[i] * k[i] * k[i];
                channels = f[i];
            }

            if (block == 0 && (stride != 1 || inChannels != f[^1]))
            {
                total += outArea * inChannels * f[^1];
            }
        }

        return total;
    }
}
