using ModelGallery.Data;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Data;

public sealed class ImagePreprocessingTests
{
    [Fact]
    public void Preprocessing_does_what_the_documentation_says()
    {
        using var scope = NewDisposeScope();
        var image = zeros([1, 1, 28, 28], ScalarType.Byte);
        image[0, 0, 0, 0] = tensor((byte)255);
        image[0, 0, 5, 7] = tensor((byte)51);

        var x = ImagePreprocessing.FashionMnistLeNet5.Apply(image);

        x.shape.Should().Equal(1, 3, 32, 32);
        double background = (0 - 0.2860) / 0.3530; // scaled 0, normalised
        x[0, 0, 0, 0].item<float>().Should().BeApproximately((float)background, 1e-6f, "the padding is background");
        x[0, 0, 2, 2].item<float>().Should().BeApproximately((float)((1 - 0.2860) / 0.3530), 1e-6f, "pixel (0, 0) moves to (2, 2)");
        x[0, 0, 7, 9].item<float>().Should().BeApproximately((float)((0.2 - 0.2860) / 0.3530), 1e-6f);
        x[0, 1].equal(x[0, 0]).all().item<bool>().Should().BeTrue("the channels are copies");
        x[0, 2].equal(x[0, 0]).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void The_training_set_mean_and_std_are_the_documented_ones()
    {
        using var train = FashionMnist.Load(FashionMnistSplit.Train);
        using var scope = NewDisposeScope();

        var pixels = train.Images.to(ScalarType.Float64) / 255.0;

        pixels.mean().item<double>().Should().BeApproximately(0.2860, 5e-5);
        pixels.std().item<double>().Should().BeApproximately(0.3530, 5e-5);
    }

    [Fact]
    public void Anything_but_a_batch_of_single_channel_bytes_is_refused()
    {
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => ImagePreprocessing.FashionMnistLeNet5.Apply(zeros(1, 1, 28, 28))).Should().Throw<ArgumentException>().WithMessage("*Float32 [1, 1, 28, 28]*");
        FluentActions.Invoking(() => ImagePreprocessing.FashionMnistLeNet5.Apply(zeros([1, 3, 28, 28], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*N×1×H×W*Byte [1, 3, 28, 28]*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-28)]
    public void The_image_file_preset_refuses_a_side_below_1(int side)
    {
        var error = FluentActions.Invoking(() => ImagePreprocessing.FashionMnistLeNet5.ForImageFiles(side)).Should().Throw<ArgumentOutOfRangeException>().Which;

        error.ParamName.Should().Be("imageSide");
        error.Message.Should().Contain(side.ToString(System.Globalization.CultureInfo.InvariantCulture)).And.Contain("1");
    }

    [Fact]
    public void The_image_file_preset_pads_by_the_padding_on_each_side_and_normalises_every_channel()
    {
        var preset = new ImagePreprocessing(Padding: 3, Mean: 0.5, Std: 0.25, Channels: 2).ForImageFiles(20);

        preset.ResizeSize.Should().Be(20);
        preset.CropSize.Should().Be(26, "20 + 2 × 3");
        preset.Mean.Should().Equal(0.5, 0.5);
        preset.Std.Should().Equal(0.25, 0.25);
    }
}
