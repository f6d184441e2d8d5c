using System.Text.Json;
using ModelGallery.Cli;
using ModelGallery.Training;
using SkiaSharp;

namespace ModelGallery.Tests.Cli;

/// <summary>What the CLI draws and writes: transparent images, the training curve, results with non-finite numbers.</summary>
public sealed class CliOutputTests : TempFolder
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_transparent_background_stays_background_with_and_without_invert(bool invert)
    {
        // A fully transparent image with one opaque square: bright on the plain image, dark for --invert.
        string png = Path.Combine(Folder, "icon.png");
        using (var bitmap = new SKBitmap(new SKImageInfo(28, 28, SKColorType.Rgba8888, SKAlphaType.Unpremul)))
        {
            bitmap.Erase(SKColors.Transparent);
            byte shade = invert ? (byte)0 : (byte)255;
            for (int y = 10; y < 18; y++)
            {
                for (int x = 10; x < 18; x++)
                {
                    bitmap.SetPixel(x, y, new SKColor(shade, shade, shade, 255));
                }
            }

            using var file = File.Create(png);
            bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        }

        using var image = GrayscaleImages.Load(png, invert);
        byte[] pixels = image.flatten().data<byte>().ToArray();

        pixels[0].Should().Be(0, "a transparent corner is Fashion-MNIST's black background");
        pixels[(14 * 28) + 14].Should().Be(255, "the opaque object is bright");
    }

    [Fact]
    public void The_training_curve_has_two_labelled_axes_and_whole_epoch_ticks()
    {
        EpochResult[] results = [.. Enumerable.Range(1, 3).Select(e => new EpochResult(e, 10, 100, 1.0 / e, 0.5 + (0.1 * e), 1e-3, TimeSpan.FromSeconds(1), true, false, null))];

        var plot = TrainingCurve.Create(results);

        plot.Axes.Left.Label.Text.Should().Be("cross-entropy loss");
        plot.Axes.Right.Label.Text.Should().Be("accuracy");
        plot.Axes.Bottom.Label.Text.Should().Be("epoch");
        plot.Axes.Bottom.TickGenerator.Should().BeOfType<ScottPlot.TickGenerators.NumericManual>("ticks are placed, not generated at fractions");
        TrainingCurve.EpochTicks(3).Should().Equal(1, 2, 3);
        TrainingCurve.EpochTicks(40).Should().Equal(1, 5, 9, 13, 17, 21, 25, 29, 33, 37);
        string png = Path.Combine(Folder, "curve.png");
        TrainingCurve.Save(results, png);
        File.ReadAllBytes(png)[..4].Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
    }

    [Fact]
    public void Non_finite_numbers_are_written_as_null_and_the_json_stays_valid()
    {
        string json = JsonSerializer.Serialize(TrainCommand.Row(new EpochResult(1, 0, 0, double.NaN, 0.5, 1e-3, TimeSpan.Zero, true, false, null)), TrainCommand.Json);

        using var document = JsonDocument.Parse(json);
        document.RootElement.GetProperty("TrainLoss").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("TestAccuracy").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("ImagesPerSecond").ValueKind.Should().Be(JsonValueKind.Null);
        document.RootElement.GetProperty("TrainAccuracy").GetDouble().Should().Be(0.5);
    }
}
