using System.Drawing;
using ModelGallery.Images;

namespace ModelGallery.Tests.Images;

/// <summary>Arguments and options of <see cref="ImageFile"/>: validation with the received value, and the pixel limit's boundary.</summary>
public sealed class ImageReadOptionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void A_pixel_limit_below_one_is_refused_naming_the_value(long maxPixels)
    {
        var act = () => new ImageReadOptions { MaxPixels = maxPixels };

        act.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "MaxPixels")
            .Which.Message.Should().Contain($"received {maxPixels}").And.Contain("at least 1");
    }

    [Fact]
    public void The_defaults_are_white_100_megapixels_and_orientation_applied()
    {
        var options = new ImageReadOptions();

        ((int)options.Background.A, (int)options.Background.R, (int)options.Background.G, (int)options.Background.B).Should().Be((255, 255, 255, 255));
        options.MaxPixels.Should().Be(100_000_000);
        options.ApplyExifOrientation.Should().BeTrue();
        options.Should().Be(ImageReadOptions.Default);
        new ImageReadOptions { Background = Color.FromArgb(255, 255, 255) }.Should().Be(options, "colours compare by value, as RgbColor did");
    }

    [Fact]
    public void The_limit_admits_exactly_its_count_and_refuses_one_pixel_fewer()
    {
        string path = Photos.Photo("chelsea.png"); // 451 × 300 = 135,300 pixels

        using var admitted = ImageFile.Read(path, new ImageReadOptions { MaxPixels = 451 * 300 });
        var act = () => ImageFile.Read(path, new ImageReadOptions { MaxPixels = (451 * 300) - 1 });

        admitted.shape.Should().Equal([3, 300, 451]);
        act.Should().Throw<ImageDecodeException>().Where(e => e.Failure == ImageDecodeFailure.TooLarge)
            .Which.Message.Should().Contain("451 × 300 = 135,300 pixels").And.Contain("limit of 135,299 pixels");
    }

    [Fact]
    public void Path_arguments_are_validated()
    {
        FluentActions.Invoking(() => ImageFile.Read((string)null!)).Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "path");
        FluentActions.Invoking(() => ImageFile.Read(string.Empty)).Should().Throw<ArgumentException>().Where(e => e.ParamName == "path");
    }

    [Fact]
    public void Stream_arguments_are_validated()
    {
        using var stream = new MemoryStream([1, 2, 3]);
        using var unreadable = new UnreadableStream();

        FluentActions.Invoking(() => ImageFile.Read((Stream)null!, "x.png")).Should().Throw<ArgumentNullException>().Where(e => e.ParamName == "stream");
        FluentActions.Invoking(() => ImageFile.Read(stream, " ")).Should().Throw<ArgumentException>().Where(e => e.ParamName == "name");
        FluentActions.Invoking(() => ImageFile.Read(unreadable, "x.png")).Should().Throw<ArgumentException>()
            .Where(e => e.ParamName == "stream").Which.Message.Should().Contain("'x.png'").And.Contain("CanRead is false");
    }

    [Fact]
    public void A_translucent_background_is_refused_naming_its_alpha()
    {
        var act = () => new ImageReadOptions { Background = Color.FromArgb(128, 10, 20, 30) };

        act.Should().Throw<ArgumentException>().Where(e => e.ParamName == "Background")
            .Which.Message.Should().Contain("opaque").And.Contain("alpha 128");
    }

    [Fact]
    public void An_opaque_image_ignores_the_background()
    {
        using var white = ImageFile.Read(Photos.Photo("coffee.png"));
        using var black = ImageFile.Read(Photos.Photo("coffee.png"), new ImageReadOptions { Background = Color.Black });

        ExpectedImages.Same(white, black).Should().BeTrue();
    }

    [Fact]
    public void Missing_photos_fail_with_how_to_get_them()
    {
        string nowhere = Path.Combine(Path.GetTempPath(), "no-photos-" + Guid.NewGuid().ToString("N"));

        var act = () => Photos.Resolve(nowhere);

        act.Should().Throw<InvalidOperationException>().Which.Message.Should().Contain(nowhere)
            .And.Contain("apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb").And.Contain("MODELGALLERY_PHOTOS");
    }

    private sealed class UnreadableStream : MemoryStream
    {
        public override bool CanRead => false;
    }
}
