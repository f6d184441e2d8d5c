using ModelGallery.Data;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The sampler of RandomResizedCrop (torchvision's get_params): its statistics, its scripted draws and its fallback.</summary>
public sealed class CropSamplerTests
{
    public static TheoryData<int> Fallbacks => [.. Enumerable.Range(0, AugmentationFixture.Read().Fallbacks.Length)];

    [Fact]
    public void Drawn_boxes_lie_inside_the_image_with_area_and_ratio_in_range_and_cover_the_range()
    {
        const int Height = 480, Width = 640, Draws = 4000;
        var random = new Random(1234);
        double area = Height * Width;
        var fractions = new List<double>();
        var logRatios = new List<double>();
        var tops = new List<int>();

        for (int n = 0; n < Draws; n++)
        {
            var box = ImageAugmentation.SampleCropBox(Height, Width, random);

            box.Top.Should().BeGreaterThanOrEqualTo(0);
            box.Left.Should().BeGreaterThanOrEqualTo(0);
            (box.Top + box.Height).Should().BeLessThanOrEqualTo(Height);
            (box.Left + box.Width).Should().BeLessThanOrEqualTo(Width);
            // w and h are rounded: some real (w', h') within half a pixel must have had area and ratio in range.
            ((box.Width - 0.5) * (box.Height - 0.5)).Should().BeLessThanOrEqualTo(1.0 * area);
            ((box.Width + 0.5) * (box.Height + 0.5)).Should().BeGreaterThanOrEqualTo(0.08 * area);
            ((box.Width + 0.5) / (box.Height - 0.5)).Should().BeGreaterThanOrEqualTo(3.0 / 4.0);
            ((box.Width - 0.5) / (box.Height + 0.5)).Should().BeLessThanOrEqualTo(4.0 / 3.0);
            fractions.Add(box.Width * box.Height / area);
            logRatios.Add(Math.Log((double)box.Width / box.Height));
            tops.Add(box.Top);
        }

        // A sampler stuck on one box, or never drawing small or elongated ones, fails here.
        fractions.Min().Should().BeLessThan(0.1);
        fractions.Max().Should().BeGreaterThan(0.9);
        logRatios.Min().Should().BeLessThan(Math.Log(3.0 / 4.0) + 0.02);
        logRatios.Max().Should().BeGreaterThan(Math.Log(4.0 / 3.0) - 0.02);
        tops.Distinct().Count().Should().BeGreaterThan(100);
        // The accepted fraction is the drawn one conditioned on fitting (f·r ≤ W/H·… below), so its mean is an integral.
        fractions.Average().Should().BeApproximately(MeanAcceptedFraction(Width / (double)Height), 0.015);
    }

    [Theory]
    [MemberData(nameof(Fallbacks))]
    public void When_no_attempt_fits_the_box_is_torchvisions_central_fallback(int index)
    {
        var c = AugmentationFixture.Read().Fallbacks[index];

        var box = ImageAugmentation.SampleCropBox(c.Height, c.Width, new Random(index), c.Scale[0], c.Scale[1], c.Ratio[0], c.Ratio[1]);

        box.Should().Be(c.Box.ToCropBox());
    }

    [Fact]
    public void Each_attempt_draws_scale_then_log_ratio_and_a_fitting_one_draws_row_then_column()
    {
        // 100 × 200: attempt 1 draws scale 0.54 (area 10800), ratio 1 → 104 × 104, taller than 100: rejected.
        // Attempt 2 draws scale 0.08 (area 1600), ratio 1 → 40 × 40; row from [0, 61), column from [0, 161).
        var random = new ScriptedRandom([0.5, 0.5, 0.0, 0.5]);

        var box = ImageAugmentation.SampleCropBox(100, 200, random);

        box.Should().Be(new CropBox(Top: 60, Left: 160, Height: 40, Width: 40));
        random.Ranges.Should().Equal((0, 61), (0, 161));
        random.Doubles.Should().Be(4);
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.75, 1.33)]
    [InlineData(0.5, 0.4, 0.75, 1.33)]
    [InlineData(0.08, 1.0, 0.0, 1.33)]
    [InlineData(0.08, 1.0, 1.5, 1.0)]
    public void Empty_or_non_positive_ranges_are_refused_with_the_range(double minScale, double maxScale, double minRatio, double maxRatio)
    {
        FluentActions.Invoking(() => ImageAugmentation.SampleCropBox(10, 10, new Random(0), minScale, maxScale, minRatio, maxRatio))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*range*received [*]*");
    }

    /// <summary>
    /// E[f | the crop fits] for f uniform on [0.08, 1] and ln r uniform on [ln 3/4, ln 4/3], by a midpoint grid: the
    /// crop of area f·H·W and ratio r fits when f·r ≤ W/H (width) and f/r ≤ H/W (height). 0.432 for 640 × 480.
    /// </summary>
    private static double MeanAcceptedFraction(double aspect)
    {
        const int N = 600;
        double sum = 0, count = 0, low = Math.Log(3.0 / 4.0), high = Math.Log(4.0 / 3.0);
        for (int a = 0; a < N; a++)
        {
            double f = 0.08 + (0.92 * (a + 0.5) / N);
            for (int b = 0; b < N; b++)
            {
                double r = Math.Exp(low + ((high - low) * (b + 0.5) / N));
                if (f * r <= aspect && f / r <= 1 / aspect)
                {
                    sum += f;
                    count++;
                }
            }
        }

        return sum / count;
    }

    /// <summary>A generator that returns scripted doubles and, for a range, its largest value.</summary>
    private sealed class ScriptedRandom(double[] doubles) : Random
    {
        public int Doubles { get; private set; }

        public List<(int, int)> Ranges { get; } = [];

        public override double NextDouble() => doubles[Doubles++];

        public override int Next(int minValue, int maxValue)
        {
            Ranges.Add((minValue, maxValue));
            return maxValue - 1;
        }
    }
}
