using ModelGallery.Images;
using SkiaSharp;

namespace ModelGallery.Tests.Images;

/// <summary>
/// exif-1.jpg … exif-8.jpg store the same 64 × 48 photo in the eight EXIF orientations (generate_image_fixtures.py
/// wrote each stored image so that Pillow's exif_transpose turns it upright). Each must decode to the upright pixels.
/// </summary>
public sealed class ExifOrientationTests
{
    /// <summary>
    /// The upright original against its JPEG (quality 92, 4:2:0) decoded by Skia: the encoder's loss plus the decoders'
    /// difference: measured 3.39 to 3.42 mean and 34 to 35 max over the eight files, as Pillow's own decoding gives
    /// (a mirrored or rotated result is 30 to 35 mean).
    /// </summary>
    private const double MeanBound = 4;

    private const int MaxBound = 40;

    public static TheoryData<int> Orientations => [.. Enumerable.Range(1, 8)];

    [Theory]
    [MemberData(nameof(Orientations))]
    public void Every_exif_orientation_decodes_to_the_upright_photo(int orientation)
    {
        var upright = ExpectedImages.Get("fixtures/upright");

        using var image = ImageFile.Read(Photos.Fixture($"exif-{orientation}.jpg"));

        image.shape.Should().Equal([3, 48, 64], "orientation {0} turns the stored image upright, 64 wide and 48 high", orientation);
        var whole = new ExpectedCrop(0, 0, upright.Width, upright.Height, upright.Rgb!);
        (double mean, int max) = ExpectedImages.CropDifference(ExpectedImages.Hwc(image), upright.Width, [whole]);
        mean.Should().BeLessThan(MeanBound, "orientation {0}: mean |Δ| from the upright photo", orientation);
        max.Should().BeLessThanOrEqualTo(MaxBound, "orientation {0}: max |Δ| from the upright photo", orientation);
    }

    [Theory]
    [MemberData(nameof(Orientations))]
    public void Without_orientation_the_stored_pixels_come_back(int orientation)
    {
        using var upright = ImageFile.Read(Photos.Fixture($"exif-{orientation}.jpg"));

        using var stored = ImageFile.Read(Photos.Fixture($"exif-{orientation}.jpg"), new ImageReadOptions { ApplyExifOrientation = false });

        bool sideways = orientation >= 5;
        stored.shape.Should().Equal(sideways ? [3, 64, 48] : [3, 48, 64], "orientation {0} is stored {1}", orientation, sideways ? "sideways" : "as wide as high");
        using var turned = Upright(stored, orientation);
        ExpectedImages.Same(turned, upright).Should().BeTrue("orientation {0}: the same pixels, turned by torch's own flips and rotations", orientation);
    }

    [Fact]
    public void Skia_reads_the_orientation_tag_of_every_file()
    {
        for (int orientation = 1; orientation <= 8; orientation++)
        {
            using var codec = SKCodec.Create(Photos.Fixture($"exif-{orientation}.jpg"));
            ((int)codec.EncodedOrigin).Should().Be(orientation);
        }
    }

    /// <summary>The stored C × H × W image turned upright with tensor operations (independent of PixelLayout's index arithmetic).</summary>
    private static TorchSharp.torch.Tensor Upright(TorchSharp.torch.Tensor stored, int orientation) => orientation switch
    {
        1 => stored.clone(),
        2 => stored.flip(2),
        3 => stored.flip(1, 2),
        4 => stored.flip(1),
        5 => stored.transpose(1, 2).contiguous(),
        6 => stored.rot90(-1, (1, 2)).contiguous(),
        7 => stored.transpose(1, 2).flip(1, 2).contiguous(),
        _ => stored.rot90(1, (1, 2)).contiguous(),
    };
}
