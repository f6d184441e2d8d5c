using ModelGallery.Layers;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Layers;

/// <summary>The fast LRN equals libtorch's nn.LocalResponseNorm, forward and backward.</summary>
public sealed class FastLocalResponseNormTests
{
    [Theory]
    [InlineData(5, 1e-4, 0.75, 2.0, 96, 1.0)]   // AlexNet
    [InlineData(5, 1e-4, 0.75, 1.0, 64, 1.0)]   // GoogLeNet
    [InlineData(4, 1e-2, 0.5, 1.0, 7, 30.0)]    // an even window, few channels, large values
    [InlineData(1, 1.0, 1.0, 0.5, 3, 3.0)]
    [InlineData(5, 1e-2, 0.75, 1.0, 16, 30.0)]  // the β = 0.75 form where the normalisation matters
    [InlineData(9, 1e-2, 0.75, 1.0, 3, 10.0)]   // a window wider than the channels
    public void Equals_libtorchs_LocalResponseNorm(int size, double alpha, double beta, double k, int channels, double scale)
    {
        using var scope = NewDisposeScope();
        var spec = new LrnSpec(size, alpha, beta, k);
        using var fast = new FastLocalResponseNorm(spec);
        using var reference = nn.LocalResponseNorm(size, alpha, beta, k);
        var x = (randn(2, channels, 9, 11) * scale).requires_grad_();
        var y = x.detach().clone().requires_grad_();

        var ours = fast.call(x);
        var theirs = reference.call(y);
        ours.sum().backward();
        theirs.sum().backward();

        ours.allclose(theirs, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        x.grad!.allclose(y.grad!, rtol: 1e-4, atol: 1e-6).Should().BeTrue("gradients must agree too");
    }

    [Fact]
    public void Channels_last_input_gives_the_same_values_in_the_same_layout()
    {
        using var scope = NewDisposeScope();
        using var fast = new FastLocalResponseNorm(new LrnSpec(5, 1e-2, 0.75, 1.0));
        using var reference = nn.LocalResponseNorm(5, 1e-2, 0.75, 1.0);
        var x = randn(2, 12, 6, 7) * 20;
        var channelsLast = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

        var ours = fast.call(channelsLast);

        ours.allclose(reference.call(x), rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        ours.stride(1).Should().Be(1, "the output keeps the channels-last memory order");
    }

    [Fact]
    public void A_window_of_zero_channels_is_refused()
    {
        FluentActions.Invoking(() => new FastLocalResponseNorm(new LrnSpec(0, 1e-4, 0.75, 1))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Size*0*");
    }
}
