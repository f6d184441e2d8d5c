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
    public void A_window_of_zero_channels_is_refused()
    {
        FluentActions.Invoking(() => new FastLocalResponseNorm(new LrnSpec(0, 1e-4, 0.75, 1))).Should().Throw<ArgumentOutOfRangeException>();
    }
}
