using ModelGallery.Data;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Data;

public sealed class FashionMnistPresetTests
{
    [Fact]
    public void Preprocessing_does_what_the_documentation_says()
    {
        using var scope = NewDisposeScope();
        var image = zeros([1, 1, 28, 28], ScalarType.Byte);
        image[0, 0, 0, 0] = tensor((byte)255);
        image[0, 0, 5, 7] = tensor((byte)51);

        var x = LeNet5.FashionMnist.Preset.Apply(image);

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
        using var train = FashionMnist.Load(train: true);
        using var scope = NewDisposeScope();

        var pixels = train.Images.to(ScalarType.Float64) / 255.0;

        pixels.mean().item<double>().Should().BeApproximately(0.2860, 5e-5);
        pixels.std().item<double>().Should().BeApproximately(0.3530, 5e-5);
    }

    [Fact]
    public void Images_of_neither_one_nor_three_channels_are_refused()
    {
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => LeNet5.FashionMnist.Preset.Apply(zeros([1, 2, 28, 28], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*3-channel (RGB) or one-channel*[1, 2, 28, 28]*");
        FluentActions.Invoking(() => LeNet5.FashionMnist.Preset.Apply(zeros([28, 28], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*C×H×W or N×C×H×W*");
    }
}
