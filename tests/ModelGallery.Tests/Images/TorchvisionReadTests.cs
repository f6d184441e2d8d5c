using System.Text.Json;
using ModelGallery.Images;

namespace ModelGallery.Tests.Images;

/// <summary>
/// <see cref="ImageReadOptions.TorchvisionCompatible"/> against torchvision's PIL path,
/// <c>pil_to_tensor(Image.open(p).convert("RGB"))</c> (torchvision-read.expected.json, written by
/// generate_torchvision_read_fixtures.py with Pillow 9.4): alpha dropped, EXIF orientation ignored, bit for bit.
/// </summary>
public sealed class TorchvisionReadTests
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static readonly Lazy<Case[]> Cases = new(() =>
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "torchvision-read.expected.json"));
        return JsonSerializer.Deserialize<Document>(json, Json)!.Cases;
    });

    public static TheoryData<string> Keys => [.. Cases.Value.Select(c => c.Key)];

    [Theory]
    [MemberData(nameof(Keys))]
    public void Torchvision_compatible_reading_equals_pillows_convert_rgb(string key)
    {
        var expected = Cases.Value.Single(c => c.Key == key);

        using var image = ImageFile.Read(Photos.Locate(expected.Source, expected.File), ImageReadOptions.TorchvisionCompatible);

        image.shape.Should().Equal([3, expected.Height, expected.Width], "{0} is {1} × {2} (W × H) as stored", key, expected.Width, expected.Height);
        byte[] hwc = ExpectedImages.Hwc(image);
        foreach (int[] sample in expected.Samples)
        {
            int at = 3 * ((sample[1] * expected.Width) + sample[0]);
            hwc[at..(at + 3)].Should().Equal([(byte)sample[2], (byte)sample[3], (byte)sample[4]], "pixel ({0}, {1}) of {2}", sample[0], sample[1], key);
        }

        ExpectedImages.Sha256(hwc).Should().Be(expected.Sha256, "every RGB byte of {0} equals convert(\"RGB\")'s", key);
    }

    [Theory]
    [InlineData("fixtures/rgba.png")]
    [InlineData("fixtures/alpha.webp")]
    [InlineData("fixtures/exif-6.jpg")]
    [InlineData("fixtures/exif-6.png")]
    public void The_default_reading_differs_from_torchvisions_where_the_docs_say(string key)
    {
        // The cases above that make the option matter: transparent pixels (composited on white by default) and an
        // EXIF orientation (applied by default). The opaque, untagged chelsea.png reads the same either way.
        var expected = Cases.Value.Single(c => c.Key == key);

        using var image = ImageFile.Read(Photos.Locate(expected.Source, expected.File));

        ExpectedImages.Sha256(ExpectedImages.Hwc(image)).Should().NotBe(expected.Sha256, "the default composites alpha and applies the EXIF turn");
        var untagged = Cases.Value.Single(c => c.Key == "photos/chelsea.png");
        using var opaque = ImageFile.Read(Photos.Locate(untagged.Source, untagged.File));
        ExpectedImages.Sha256(ExpectedImages.Hwc(opaque)).Should().Be(untagged.Sha256);
    }

    [Fact]
    public void Dropping_alpha_alone_keeps_the_exif_turn()
    {
        var options = new ImageReadOptions { DropAlpha = true };

        using var image = ImageFile.Read(Photos.Fixture("exif-6.png"), options);

        image.shape.Should().Equal([3, 48, 64], "exif-6.png is stored 48 × 64 (W × H) and turned upright to 64 × 48");
        ImageReadOptions.TorchvisionCompatible.Should().Be(new ImageReadOptions { DropAlpha = true, ApplyExifOrientation = false });
    }

    private sealed record Case(string Source, string File, int Width, int Height, string Sha256, int[][] Samples)
    {
        public string Key => $"{Source}/{File}";
    }

    private sealed record Document(string Generator, Case[] Cases);
}
