using ModelGallery.Layers;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Layers;

/// <summary>The vocabulary's arguments are checked where they enter, with messages that say what was expected.</summary>
public sealed class LayerArgumentTests
{
    [Fact]
    public void Missing_specifications_are_named()
    {
        FluentActions.Invoking(() => Layer.Conv(3, null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("spec");
        FluentActions.Invoking(() => Layer.MaxPool(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("spec");
        FluentActions.Invoking(() => Layer.AvgPool(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("spec");
        FluentActions.Invoking(() => new ConvBnReLU(3, null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("spec");
        FluentActions.Invoking(() => new FastLocalResponseNorm(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("spec");
        FluentActions.Invoking(() => new InceptionBlock(192, null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("config");
        using var lrn = new FastLocalResponseNorm(new LrnSpec(5, 1e-4, 0.75, 2));
        FluentActions.Invoking(() => lrn.forward(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("input");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void A_dropout_probability_outside_zero_to_one_is_refused_naming_the_callers_parameter(double p)
    {
        double rate = p;

        var error = FluentActions.Invoking(() => Layer.Dropout(rate)).Should().Throw<ArgumentOutOfRangeException>().Which;

        error.ParamName.Should().Be("rate");
        error.Message.Should().StartWith($"rate must lie in [0, 1); received {p}.");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void A_dropout_probability_in_zero_to_one_is_taken(double p)
    {
        using var dropout = Layer.Dropout(p);

        dropout.p.Should().Be(p);
    }

    [Fact]
    public void Inception_blocks_refuse_what_cannot_be_built()
    {
        var config = new InceptionConfig(Ch1x1: 64, Ch3x3Reduce: 96, Ch3x3: 128, Ch5x5Reduce: 16, Ch5x5: 32, PoolProj: 32);

        FluentActions.Invoking(() => new InceptionBlock(0, config)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("inChannels");
        FluentActions.Invoking(() => new InceptionBlock(192, config with { PoolProj = 0 })).Should().Throw<ArgumentOutOfRangeException>()
            .Which.Message.Should().Contain("Every filter count of an Inception");
        var kernel = FluentActions.Invoking(() => new InceptionBlock(192, config, branch3Kernel: 4)).Should().Throw<ArgumentOutOfRangeException>().Which;
        kernel.ParamName.Should().Be("branch3Kernel");
        kernel.Message.Should().Contain("5×5 (paper) or 3×3 (torchvision) kernel; received 4");
        FluentActions.Invoking(() => new InceptionAux(512, numClasses: 0)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("numClasses");
    }

    [Fact]
    public void A_convolution_too_large_for_memory_is_named_with_its_size()
    {
        var error = FluentActions.Invoking(() => Layer.Conv(int.MaxValue, new ConvSpec(Filters: 1024, Kernel: 11))).Should().Throw<InsufficientMemoryException>().Which;

        double gigabytes = 4.0 * 1024 * ((2147483647.0 * 121) + 1) / 1e9; // float32 weights and biases
        error.Message.Should().StartWith(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Cannot allocate a 2,147,483,647 → 1,024 channel 11×11 convolution ({gigabytes:0.0} GB of float32 weights)"));
    }

    [Fact]
    public void A_channel_affine_needs_one_scale_and_shift_per_channel_and_applies_them()
    {
        FluentActions.Invoking(() => new ChannelAffine(null!, [1.0])).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("scale");
        FluentActions.Invoking(() => new ChannelAffine([1.0], null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("shift");
        FluentActions.Invoking(() => new ChannelAffine([], [])).Should().Throw<ArgumentException>().WithMessage("*one scale and one shift per channel; received 0 and 0*");
        FluentActions.Invoking(() => new ChannelAffine([1.0, 2.0], [1.0])).Should().Throw<ArgumentException>().WithMessage("*received 2 and 1*");

        using var affine = ChannelAffine.Renormalisation([0.4, 0.6], [0.2, 0.5], toMean: 0.5, toStd: 0.25);
        affine.Scale.Should().Equal(0.8, 2.0);
        affine.Shift.Should().Equal([-0.4, 0.4], (a, b) => Math.Abs(a - b) < 1e-12);
        using var scope = NewDisposeScope();
        var image = tensor(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }).reshape(1, 2, 2, 2);
        affine.call(image).data<float>().ToArray().Should().Equal([0.4f, 1.2f, 2.0f, 2.8f, 10.4f, 12.4f, 14.4f, 16.4f], (a, b) => Math.Abs(a - b) < 1e-5f);
    }
}
