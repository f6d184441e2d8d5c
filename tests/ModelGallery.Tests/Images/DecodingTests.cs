using System.Drawing;
using ModelGallery.Images;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Images;

/// <summary>
/// Decoded pixels against Pillow's (photos.expected.json, written by generate_image_fixtures.py): byte for byte for the
/// lossless formats, within measured bounds for JPEG and lossy WebP.
/// </summary>
public sealed class DecodingTests(ITestOutputHelper output)
{
    /// <summary>
    /// The mean |Δ| allowed between Skia's and Pillow's JPEG (and lossy WebP) pixels. Measured on the 3 skimage JPEGs
    /// and the 10 derived files (SkiaSharp 3.119.4 against Pillow 9.4 with Debian 12's libjpeg-turbo 2.1.5 and libwebp
    /// 1.2.4): 0 mean and 0 max, bit-identical, because both decode JPEG with libjpeg-turbo's default islow IDCT and
    /// fancy (triangular) chroma upsampling. The bounds leave room for a rounding change in a later SkiaSharp, yet fail
    /// on a changed upsampler, IDCT or colour conversion, which would break parity with torchvision's read_image.
    /// </summary>
    internal const double JpegMeanBound = 0.1;

    /// <summary>The largest single |Δ| allowed between Skia's and Pillow's JPEG pixels (measured: 0).</summary>
    internal const int JpegMaxBound = 2;

    /// <summary>How far the whole image's per-channel means may differ from Pillow's (measured: 0).</summary>
    private const double ChannelMeanBound = 0.05;

    public static TheoryData<string> Lossless => ExpectedImages.Keys("exact");

    public static TheoryData<string> Lossy => ExpectedImages.Keys("lossy");

    [Theory]
    [MemberData(nameof(Lossless))]
    public void Lossless_images_decode_to_pillows_pixels_exactly(string key)
    {
        var expected = ExpectedImages.Get(key);
        var options = new ImageReadOptions { Background = Color.FromArgb(expected.Background[0], expected.Background[1], expected.Background[2]) };

        using var image = ImageFile.Read(expected.Path, options);

        image.dtype.Should().Be(ScalarType.Byte);
        image.shape.Should().Equal([3, expected.Height, expected.Width], "{0} is {1} × {2} (W × H)", key, expected.Width, expected.Height);
        byte[] hwc = ExpectedImages.Hwc(image);
        foreach (int[] sample in expected.Samples!)
        {
            int at = 3 * ((sample[1] * expected.Width) + sample[0]);
            hwc[at..(at + 3)].Should().Equal([(byte)sample[2], (byte)sample[3], (byte)sample[4]], "pixel ({0}, {1}) of {2}", sample[0], sample[1], key);
        }

        ExpectedImages.Sha256(hwc).Should().Be(expected.Sha256, "every RGB byte of {0} equals Pillow's", key);
    }

    [Theory]
    [MemberData(nameof(Lossy))]
    public void Jpeg_and_lossy_webp_decode_within_the_measured_bounds_of_pillows_pixels(string key)
    {
        var expected = ExpectedImages.Get(key);

        using var image = ImageFile.Read(expected.Path);

        image.dtype.Should().Be(ScalarType.Byte);
        image.shape.Should().Equal([3, expected.Height, expected.Width], "{0} is {1} × {2} (W × H)", key, expected.Width, expected.Height);
        byte[] hwc = ExpectedImages.Hwc(image);
        (double mean, int max) = ExpectedImages.CropDifference(hwc, expected.Width, expected.Crops!);
        double[] means = [.. Enumerable.Range(0, 3).Select(c => hwc.Where((_, i) => i % 3 == c).Average(b => (double)b))];
        double channelDelta = means.Zip(expected.Mean!, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{key}: mean |Δ| {mean:F4}, max |Δ| {max} over {expected.Crops!.Length} crops; channel means differ by at most {channelDelta:F4}");

        mean.Should().BeLessThan(JpegMeanBound, "the mean |Δ| from Pillow's pixels in {0}", key);
        max.Should().BeLessThanOrEqualTo(JpegMaxBound, "the largest |Δ| from Pillow's pixels in {0}", key);
        channelDelta.Should().BeLessThan(ChannelMeanBound, "the per-channel means of the whole of {0}", key);
    }

    [Fact]
    public void The_lossless_cases_cover_every_format_and_pixel_kind_the_package_promises()
    {
        string[] keys = ExpectedImages.Names("exact");
        keys.Should().Contain(["photos/camera.png", "photos/palette_color.png", "photos/foo3x5x4indexed.png", "photos/no_time_for_that_tiny.gif",
            "fixtures/rgb16.png", "fixtures/gray16.png", "fixtures/rgba16.png", "fixtures/rgb.bmp", "fixtures/palette.bmp",
            "fixtures/lossless.webp", "fixtures/alpha.webp", "fixtures/rgba.png", "fixtures/rgba.png@0,128,255", "fixtures/la.png",
            "fixtures/exif-6.png", "fixtures/exif-6.webp"]);
        ExpectedImages.Names("lossy").Should().Contain(["photos/rocket.jpg", "fixtures/gray.jpg", "fixtures/cmyk.jpg", "fixtures/progressive.jpg", "fixtures/lossy.webp"]);
    }

    [Fact]
    public void A_stream_decodes_like_its_file_and_stays_open()
    {
        string path = Photos.Photo("chelsea.png");
        using var stream = File.OpenRead(path);

        using var fromStream = ImageFile.Read(stream, "chelsea.png");
        using var fromFile = ImageFile.Read(path);

        stream.CanRead.Should().BeTrue("the caller owns the stream");
        ExpectedImages.Same(fromStream, fromFile).Should().BeTrue();
    }
}
