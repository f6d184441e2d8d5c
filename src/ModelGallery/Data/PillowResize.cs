namespace ModelGallery.Data;

/// <summary>
/// Pillow's bilinear resize of 8-bit images (<c>Image.resize(size, BILINEAR)</c>, Pillow 9.4's
/// <c>libImaging/Resample.c</c>), reproduced bit for bit: torchvision's published ImageNet accuracies were measured on
/// PIL images, so this is the resize their weights were evaluated with.
/// </summary>
/// <remarks>
/// The facts it follows (written from Pillow's source, not copied): the triangle filter reaches one input pixel, widened
/// by the scale when shrinking (the antialias); output pixel <c>i</c> is centred on input <c>(i + 0.5)·scale</c> and
/// reads the inputs from <c>(int)(centre − support + 0.5)</c> up to <c>(int)(centre + support + 0.5)</c>, clamped
/// to the image; each weight is <c>filter((j − centre + 0.5)·(1 / filterScale))</c>, divided by the row's sum; the
/// weights become integers with <see cref="PrecisionBits"/> fraction bits, rounded half away from zero; a sum starts
/// at one half (<c>1 &lt;&lt; (PrecisionBits − 1)</c>), is shifted right by <see cref="PrecisionBits"/> and clipped to
/// [0, 255]. The horizontal pass runs first, on the rows the vertical pass will read, then the vertical pass; an axis
/// whose size does not change is not resampled. Channels are independent.
/// </remarks>
internal static class PillowResize
{
    /// <summary>Fraction bits of the fixed-point weights: 32 less 8 for the result and 2 for overflow (Pillow's <c>PRECISION_BITS</c>).</summary>
    internal const int PrecisionBits = 32 - 8 - 2;

    /// <summary>
    /// The integer weights of one axis: output <c>i</c> sums <c>Count[i]</c> inputs from <c>Start[i]</c>, weighted by
    /// <c>Weights[i·KernelSize + j]</c>.
    /// </summary>
    internal sealed record Axis(int[] Start, int[] Count, int[] Weights, int KernelSize);

    /// <summary>The weights that take an axis of <paramref name="inSize"/> pixels to <paramref name="outSize"/>.</summary>
    internal static Axis Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale; // the triangle reaches 1 pixel; shrinking widens it (the low-pass filter)
        double inverse = 1.0 / filterScale; // Pillow multiplies by the reciprocal; dividing would round differently
        int kernel = ((int)Math.Ceiling(support) * 2) + 1;
        var start = new int[outSize];
        var count = new int[outSize];
        var weights = new int[outSize * kernel];
        var row = new double[kernel];
        for (int i = 0; i < outSize; i++)
        {
            double centre = (i + 0.5) * scale;
            int first = Math.Max(0, (int)(centre - support + 0.5)); // (int) truncates towards zero, as C does
            int n = Math.Min(inSize, (int)(centre + support + 0.5)) - first;
            double sum = 0.0;
            for (int j = 0; j < n; j++)
            {
                row[j] = Triangle((j + first - centre + 0.5) * inverse);
                sum += row[j];
            }

            for (int j = 0; j < n; j++)
            {
                double w = sum != 0.0 ? row[j] / sum : row[j];
                weights[(i * kernel) + j] = (int)(w < 0 ? -0.5 + (w * (1 << PrecisionBits)) : 0.5 + (w * (1 << PrecisionBits)));
            }

            start[i] = first;
            count[i] = n;
        }

        return new Axis(start, count, weights, kernel);
    }

    /// <summary>Resizes <paramref name="channels"/> planes of <paramref name="height"/> × <paramref name="width"/> bytes (C×H×W order).</summary>
    /// <returns>The resized planes, C × <paramref name="newHeight"/> × <paramref name="newWidth"/>.</returns>
    /// <exception cref="ArgumentException">The buffer does not hold C·H·W bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    internal static byte[] Resize(ReadOnlySpan<byte> planes, int channels, int height, int width, int newHeight, int newWidth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(newHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(newWidth, 1);
        if (planes.Length != (long)channels * height * width)
        {
            throw new ArgumentException($"Expected {channels}×{height}×{width} = {(long)channels * height * width} bytes; received {planes.Length}.", nameof(planes));
        }

        if (newHeight == height && newWidth == width)
        {
            return planes.ToArray(); // Pillow returns a copy
        }

        var vertical = newHeight != height ? Coefficients(height, newHeight) : null;
        // Only the rows the vertical pass reads go through the horizontal pass.
        int firstRow = vertical is null ? 0 : vertical.Start[0];
        int rows = vertical is null ? height : vertical.Start[^1] + vertical.Count[^1] - firstRow;
        byte[] source = planes.ToArray();
        int sourceHeight = height;
        if (newWidth != width)
        {
            source = Horizontal(source, channels, height, width, firstRow, rows, Coefficients(width, newWidth), newWidth);
            sourceHeight = rows;
        }
        else
        {
            firstRow = 0;
        }

        return vertical is null ? source : Vertical(source, channels, sourceHeight, newWidth, firstRow, vertical);
    }

    private static byte[] Horizontal(byte[] input, int channels, int height, int width, int firstRow, int rows, Axis axis, int newWidth)
    {
        var output = new byte[channels * rows * newWidth];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < rows; y++)
            {
                var line = new ReadOnlySpan<byte>(input, ((c * height) + firstRow + y) * width, width);
                var target = new Span<byte>(output, ((c * rows) + y) * newWidth, newWidth);
                for (int x = 0; x < newWidth; x++)
                {
                    int sum = 1 << (PrecisionBits - 1);
                    int offset = x * axis.KernelSize, first = axis.Start[x];
                    for (int j = 0; j < axis.Count[x]; j++)
                    {
                        sum += line[first + j] * axis.Weights[offset + j];
                    }

                    target[x] = Clip(sum);
                }
            }
        }

        return output;
    }

    private static byte[] Vertical(byte[] input, int channels, int height, int width, int firstRow, Axis axis)
    {
        int newHeight = axis.Start.Length;
        var output = new byte[channels * newHeight * width];
        var sums = new int[width];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < newHeight; y++)
            {
                Array.Fill(sums, 1 << (PrecisionBits - 1));
                int offset = y * axis.KernelSize, first = axis.Start[y] - firstRow;
                for (int j = 0; j < axis.Count[y]; j++)
                {
                    int weight = axis.Weights[offset + j];
                    var line = new ReadOnlySpan<byte>(input, ((c * height) + first + j) * width, width);
                    for (int x = 0; x < width; x++)
                    {
                        sums[x] += line[x] * weight;
                    }
                }

                var target = new Span<byte>(output, ((c * newHeight) + y) * width, width);
                for (int x = 0; x < width; x++)
                {
                    target[x] = Clip(sums[x]);
                }
            }
        }

        return output;
    }

    /// <summary>The triangle (bilinear) filter: 1 − |x| inside (−1, 1), else 0.</summary>
    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    /// <summary>A fixed-point sum back to a byte: shifted right (rounding down, the half was added first), clipped to [0, 255].</summary>
    private static byte Clip(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);
}
