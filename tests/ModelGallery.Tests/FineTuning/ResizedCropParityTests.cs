using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Tests.Images;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>
/// The geometry of RandomResizedCrop against torchvision 0.14 (<c>F.resized_crop(img, i, j, h, w, [224, 224],
/// antialias=True)</c>) on a real photo, with boxes given by hand: torch's generator and .NET's cannot draw the same
/// box, so the draws are tested apart (<see cref="CropSamplerTests"/>).
/// </summary>
public sealed class ResizedCropParityTests
{
    public static TheoryData<string> Boxes => [.. AugmentationFixture.Read().Boxes.Keys];

    [Theory]
    [MemberData(nameof(Boxes))]
    public void A_byte_crop_is_torchvisions_byte_for_byte(string name)
    {
        using var scope = NewDisposeScope();
        var facts = AugmentationFixture.Read();
        var image = ImageFile.Read(Photos.Photo(facts.Photo));
        image.shape.Should().Equal(3, 300, 451);

        var crop = ImageAugmentation.ResizedCrop(image, facts.Boxes[name].ToCropBox(), facts.Size);

        var expected = AugmentationFixture.Crops()[$"{name}.uint8"];
        crop.dtype.Should().Be(ScalarType.Byte);
        crop.shape.Should().Equal(expected.shape);
        (crop.to(int32) - expected.to(int32)).abs().max().item<int>().Should().Be(0);
    }

    [Theory]
    [InlineData("shrink")]
    [InlineData("enlarge")]
    public void A_float_crop_is_torchvisions_within_1e_5(string name)
    {
        using var scope = NewDisposeScope();
        var facts = AugmentationFixture.Read();
        var image = ImageFile.Read(Photos.Photo(facts.Photo)).to(float32) / 255.0;

        var crop = ImageAugmentation.ResizedCrop(image, facts.Boxes[name].ToCropBox(), facts.Size);

        var expected = AugmentationFixture.Crops()[$"{name}.float"];
        crop.shape.Should().Equal(expected.shape);
        (crop - expected).abs().max().item<float>().Should().BeLessThan(1e-5f);
        (crop - AugmentationFixture.Crops()["whole.uint8"].to(float32) / 255.0).abs().max().item<float>()
            .Should().BeGreaterThan(0.1f, "another box gives another crop; otherwise this test proves nothing");
    }

    [Fact]
    public void A_box_outside_the_image_is_refused_with_both_sizes()
    {
        using var image = zeros(3, 30, 40, ScalarType.Byte);

        FluentActions.Invoking(() => ImageAugmentation.ResizedCrop(image, new CropBox(10, 5, 25, 10), 8))
            .Should().Throw<ArgumentException>().WithMessage("*inside the 30×40 image*25×10 at (row 10, column 5)*");
    }

    [Fact]
    public void A_horizontal_flip_reverses_each_row()
    {
        using var scope = NewDisposeScope();
        byte[] pixels = [.. Enumerable.Range(0, 3 * 4 * 5).Select(v => (byte)v)];
        var image = tensor(pixels, [3, 4, 5], ScalarType.Byte);

        byte[] flipped = ImageAugmentation.HorizontalFlip(image).data<byte>().ToArray();

        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 4; y++)
            {
                for (int x = 0; x < 5; x++)
                {
                    flipped[(c * 20) + (y * 5) + x].Should().Be(pixels[(c * 20) + (y * 5) + (4 - x)]);
                }
            }
        }
    }
}
