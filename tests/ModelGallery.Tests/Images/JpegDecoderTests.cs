using System.Runtime.InteropServices;
using ModelGallery.Images;

namespace ModelGallery.Tests.Images;

/// <summary>
/// JPEG's SIMD path (OpenCV's libjpeg-turbo, <see cref="OpenCvJpeg"/>) against Skia's decoding of the same bytes: the
/// same pixels for every JPEG the tests hold, in every EXIF orientation; the files it must leave to Skia; and that it
/// is the path taken on Linux x64, whose native library the package carries. Pillow's pixels, bit for bit, are
/// <see cref="TorchvisionReadTests"/>' (three skimage photos, the grayscale, progressive, CMYK and EXIF fixtures).
/// </summary>
public sealed class JpegDecoderTests
{
    public static TheoryData<string, string> Jpegs
    {
        get
        {
            var data = new TheoryData<string, string>
            {
                { "photos", "rocket.jpg" }, { "photos", "hubble_deep_field.jpg" }, { "photos", "retina.jpg" },
                { "fixtures", "gray.jpg" }, { "fixtures", "cmyk.jpg" }, { "fixtures", "progressive.jpg" },
            };
            for (int orientation = 1; orientation <= 8; orientation++)
            {
                data.Add("fixtures", $"exif-{orientation}.jpg");
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Jpegs))]
    public void The_simd_path_gives_skias_pixels_with_and_without_the_exif_turn(string source, string name)
    {
        byte[] encoded = File.ReadAllBytes(Photos.Locate(source, name));

        foreach (var options in new[] { ImageReadOptions.Default, ImageReadOptions.TorchvisionCompatible })
        {
            using var simd = SkiaDecoder.Decode(encoded, name, options);
            using var skia = SkiaDecoder.Decode(encoded, name, options, simdJpeg: false);

            simd.shape.Should().Equal(skia.shape, "{0}, orientation applied: {1}", name, options.ApplyExifOrientation);
            ExpectedImages.Same(simd, skia).Should().BeTrue("{0}, orientation applied: {1}: every byte equals Skia's", name, options.ApplyExifOrientation);
        }
    }

    [SkippableFact]
    public void On_linux_x64_a_jpeg_is_decoded_by_opencv()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64,
            "the package carries OpenCV's native library for Linux x64 only");

        using var image = ImageFile.Read(Photos.Photo("rocket.jpg"));

        OpenCvJpeg.Available.Should().BeTrue(
            "OpenCvSharp4.official.runtime.linux-x64 puts libOpenCvSharpExtern.so beside the tests; it links GTK 3 (apt-get install libgtk-3-0, "
            + "which python3-torchvision brings in .ci/run), and without it every JPEG is decoded by Skia, at half the speed");
        SkiaDecoder.ScratchBytes.Should().Be(3L * 640 * 427, "OpenCV's whole BGR image, not Skia's one RGBA row (4 × 640)");
        image.shape.Should().Equal([3, 427, 640]);
    }

    [Theory]
    [InlineData("rocket.jpg", true)]
    [InlineData("progressive.jpg", true)]
    [InlineData("gray.jpg", true)]
    [InlineData("exif-6.jpg", true)]
    [InlineData("cmyk.jpg", false)]
    [InlineData("truncated-half.jpg", false)]
    public void Whole_8_bit_rgb_and_gray_jpegs_take_the_simd_path_and_the_rest_skias(string name, bool eligible)
    {
        string path = name == "rocket.jpg" ? Photos.Photo(name) : Photos.Fixture(name);

        OpenCvJpeg.Eligible(File.ReadAllBytes(path)).Should().Be(eligible, "{0}: CMYK is converted by Skia as Pillow does; a truncated file has no EOI", name);
    }

    [Fact]
    public void Bytes_after_the_end_marker_send_the_file_to_skia_with_the_same_pixels()
    {
        byte[] whole = File.ReadAllBytes(Photos.Fixture("exif-1.jpg"));
        byte[] padded = [.. whole, 0, 0, 0, 0];

        OpenCvJpeg.Eligible(padded).Should().BeFalse("the file does not end with EOI, as a truncated one does not");
        using var wholeStream = new MemoryStream(whole);
        using var paddedStream = new MemoryStream(padded);
        using var fromWhole = ImageFile.Read(wholeStream, "whole.jpg");
        using var fromPadded = ImageFile.Read(paddedStream, "padded.jpg");
        ExpectedImages.Same(fromPadded, fromWhole).Should().BeTrue();
    }

    [Theory]
    [InlineData(0xC0, 8, 3, true)]    // baseline
    [InlineData(0xC1, 8, 1, true)]    // extended sequential, grayscale
    [InlineData(0xC2, 8, 3, true)]    // progressive
    [InlineData(0xC1, 12, 3, false)]  // 12-bit samples
    [InlineData(0xC3, 8, 3, false)]   // lossless
    [InlineData(0xC9, 8, 3, false)]   // arithmetic coding
    [InlineData(0xC0, 8, 4, false)]   // CMYK or YCCK
    [InlineData(0xC0, 8, 2, false)]   // two components
    public void The_frame_header_decides(int marker, int precision, int components, bool eligible)
    {
        // SOI, an APP0 segment to walk over, the frame header (16 × 16), then EOI; no scan is needed to decide.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46,
            0xFF, (byte)marker, 0x00, 0x08, (byte)precision, 0x00, 0x10, 0x00, 0x10, (byte)components, 0xFF, 0xD9];

        OpenCvJpeg.Eligible(jpeg).Should().Be(eligible, "SOF 0x{0:X2}, {1}-bit, {2} components", marker, precision, components);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 })]                                           // no frame header
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9 })]                   // a scan before any frame header
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE1, 0x7F, 0xFF, 0x00, 0x00, 0xFF, 0xD9 })]       // a segment running past the file
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9 })]       // a length below its own 2 bytes
    [InlineData(new byte[] { 0xFF, 0xD8, 0x12, 0x34, 0x00, 0x00, 0xFF, 0xD9 })]                   // garbage where a marker belongs
    public void Malformed_marker_walks_are_left_to_skia(byte[] jpeg)
    {
        OpenCvJpeg.Eligible(jpeg).Should().BeFalse();
    }
}
