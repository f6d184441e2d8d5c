using System.Globalization;
using ModelGallery.Images;

namespace ModelGallery.Tests.Images;

/// <summary>Files that are not good images: each fails with an <see cref="ImageDecodeException"/> whose message names the file and the facts.</summary>
public sealed class HostileImageTests : TempFolder
{
    [Fact]
    public void Skimages_truncated_jpeg_is_refused_as_truncated()
    {
        string path = Photos.Photo("truncated.jpg");

        var error = Read(path, ImageDecodeFailure.Truncated);

        error.Message.Should().Contain(path).And.Contain("truncated").And.Contain("400 bytes");
    }

    [Theory]
    [InlineData("truncated-half.jpg", "Jpeg")]
    [InlineData("truncated.png", "Png")]
    public void A_file_cut_in_the_pixel_data_is_refused_not_filled_with_grey(string name, string format)
    {
        string path = Photos.Fixture(name);

        var error = Read(path, ImageDecodeFailure.Truncated);

        error.Message.Should().Contain(path).And.Contain(format).And.Contain("64 × 48").And.Contain("truncated");
    }

    [Fact]
    public void Damaged_compressed_data_is_refused_as_corrupt()
    {
        string path = Photos.Fixture("corrupt.png");

        var error = Read(path, ImageDecodeFailure.Corrupt);

        error.Message.Should().Contain(path).And.Contain("Png").And.Contain("64 × 48").And.Contain("invalid");
    }

    [Fact]
    public void A_text_file_named_png_is_not_an_image_and_the_message_shows_its_first_bytes()
    {
        string path = Photos.Fixture("not-an-image.png");

        var error = Read(path, ImageDecodeFailure.NotAnImage);

        error.Message.Should().Contain(path).And.Contain("no decoder recognised it").And.Contain("48 65 6C 6C 6F 2C 20 49").And.Contain("\"Hello, I\"");
        error.ImageName.Should().Be(path);
    }

    [Fact]
    public void An_empty_file_is_refused_as_empty()
    {
        string path = Photos.Fixture("empty.png");

        var error = Read(path, ImageDecodeFailure.Empty);

        error.Message.Should().Contain(path).And.Contain("empty (0 bytes)");
    }

    [Fact]
    public void An_icon_decodes_in_skia_but_is_not_a_promised_format()
    {
        string path = Photos.Fixture("icon.ico");

        var error = Read(path, ImageDecodeFailure.UnsupportedFormat);

        error.Message.Should().Contain(path).And.Contain("Ico").And.Contain("expected JPEG, PNG, WebP, BMP or GIF");
    }

    [Fact]
    public void A_header_claiming_ten_billion_pixels_is_refused_naming_the_count_and_the_limit()
    {
        string path = Photos.Fixture("huge-ihdr.png");

        var error = Read(path, ImageDecodeFailure.TooLarge);

        error.Message.Should().Contain(path).And.Contain("100000 × 100000").And.Contain("10,000,000,000 pixels").And.Contain("limit of 100,000,000 pixels");
        var unlimited = () => ImageFile.Read(path, new ImageReadOptions { MaxPixels = long.MaxValue });
        unlimited.Should().Throw<ImageDecodeException>().Where(e => e.Failure == ImageDecodeFailure.TooLarge).Which.Message.Should()
            .Contain(string.Create(CultureInfo.InvariantCulture, $"limit of {Array.MaxLength / 4:N0} pixels (the most one managed array of RGBA bytes holds)"), "no MaxPixels lifts the array's own limit");
    }

    [Fact]
    public void An_image_just_over_the_limit_is_refused_before_its_pixels_are_allocated()
    {
        string path = Photos.Fixture("over-limit.png");
        Read(path, ImageDecodeFailure.TooLarge); // warm-up: JIT and Skia's first use allocate too.

        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Read(path, ImageDecodeFailure.TooLarge);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        error.Message.Should().Contain("12000 × 10000 = 120,000,000 pixels").And.Contain("limit of 100,000,000 pixels");
        allocated.Should().BeLessThan(1 << 20, "the 480 MB RGBA buffer of 12000 × 10000 pixels must never be allocated");
    }

    [Fact]
    public void Text_after_a_gif_signature_is_read_as_a_size_and_stopped_by_the_limit()
    {
        using var stream = new MemoryStream("GIF87a but nothing more"u8.ToArray());

        var act = () => ImageFile.Read(stream, "fake.gif");

        // " b" and "ut" are the little-endian width and height: 0x6220 × 0x7475.
        act.Should().Throw<ImageDecodeException>().Where(e => e.Failure == ImageDecodeFailure.TooLarge)
            .Which.Message.Should().Contain("'fake.gif'").And.Contain("25120 × 29813 = 748,902,560 pixels").And.Contain("limit of 100,000,000 pixels");
    }

    [Fact]
    public void A_stream_is_named_in_errors_by_the_name_given()
    {
        using var stream = new MemoryStream("<html>404 Not Found</html>"u8.ToArray());

        var act = () => ImageFile.Read(stream, "https://example.org/cat.gif");

        var error = act.Should().Throw<ImageDecodeException>().Which;
        error.ImageName.Should().Be("https://example.org/cat.gif");
        error.Failure.Should().Be(ImageDecodeFailure.NotAnImage);
        error.Message.Should().Contain("'https://example.org/cat.gif'").And.Contain("no decoder recognised it").And.Contain("\"<html>40\"");
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error_naming_the_path()
    {
        string path = Path.Combine(Folder, "no-such-photo.jpg");

        var act = () => ImageFile.Read(path);

        act.Should().Throw<FileNotFoundException>().Where(e => e.FileName == path).Which.Message.Should().Contain(path);
    }

    [Fact]
    public void A_folder_is_a_file_not_found_error_saying_it_is_a_directory()
    {
        var act = () => ImageFile.Read(Folder);

        act.Should().Throw<FileNotFoundException>().Which.Message.Should().Contain(Folder).And.Contain("is a directory");
    }

    private static ImageDecodeException Read(string path, ImageDecodeFailure failure)
    {
        var act = () => ImageFile.Read(path);
        var error = act.Should().Throw<ImageDecodeException>().Which;
        error.Failure.Should().Be(failure, error.Message);
        error.ImageName.Should().Be(path);
        return error;
    }
}
