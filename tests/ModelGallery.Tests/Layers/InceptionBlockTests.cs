using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Layers;

public sealed class InceptionBlockTests
{
    private static readonly InceptionConfig Config = new(Ch1x1: 4, Ch3x3Reduce: 3, Ch3x3: 5, Ch5x5Reduce: 2, Ch5x5: 6, PoolProj: 7);

    [Fact]
    public void Output_concatenates_the_four_branches_and_keeps_the_size()
    {
        using var block = new InceptionBlock(8, Config);
        using var scope = NewDisposeScope();

        var output = block.call(randn(2, 8, 9, 11));

        output.shape.Should().Equal(2, 4 + 5 + 6 + 7, 9, 11);
        Config.OutChannels.Should().Be(22);
    }

    [Fact]
    public void Branches_have_the_papers_kernels_and_padding()
    {
        using var block = new InceptionBlock(8, Config);
        var modules = block.named_modules().ToDictionary(m => m.name, m => m.module);

        Conv("branch1.conv").Should().Be((8L, 4L, 1L, 0L));
        Conv("branch2.0.conv").Should().Be((8L, 3L, 1L, 0L));
        Conv("branch2.1.conv").Should().Be((3L, 5L, 3L, 1L));
        Conv("branch3.0.conv").Should().Be((8L, 2L, 1L, 0L));
        Conv("branch3.1.conv").Should().Be((2L, 6L, 5L, 2L));
        Conv("branch4.1.conv").Should().Be((8L, 7L, 1L, 0L));
        var pool = (MaxPool2d)modules["branch4.0"];
        pool.kernel_size.Should().Equal(3, 3);
        pool.stride.Should().Equal(1, 1);
        pool.padding.Should().Equal(1, 1);
        modules.Values.OfType<ReLU>().Should().HaveCount(6, "a ReLU follows each of the six convolutions");

        (long In, long Out, long Kernel, long Padding) Conv(string path)
        {
            var conv = (Conv2d)modules[path];
            return (conv.in_channels, conv.out_channels, conv.kernel_size[0], (conv.padding ?? [-1])[0]);
        }
    }

    [Fact]
    public void The_pool_branch_takes_the_maximum_of_each_3x3_neighbourhood()
    {
        // A single 1 in a 5x5 plane: after the 3x3/1/1 max-pool it covers a 3x3 square.
        using var scope = NewDisposeScope();
        using var block = new InceptionBlock(1, new InceptionConfig(1, 1, 1, 1, 1, 1));
        var pool = (MaxPool2d)block.named_modules().Single(m => m.name == "branch4.0").module;
        var plane = zeros(1, 1, 5, 5);
        plane[0, 0, 2, 2] = tensor(1f);

        pool.call(plane).sum().item<float>().Should().Be(9f);
    }

    [Fact]
    public void Non_positive_filter_counts_are_rejected()
    {
        FluentActions.Invoking(() => new InceptionBlock(8, Config with { Ch5x5 = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithMessage("*Ch5x5 = 0*");
    }
}
