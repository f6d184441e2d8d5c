using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// How a torch.save tensor (dtype, offset, shape, strides) is cut out of its storage: the element it reaches last is
/// offset + Σ (size − 1) · stride, which must lie inside the storage (counted by hand below); malformed views,
/// overflowing ones and copies that would multiply a small storage are refused before anything is allocated.
/// </summary>
public sealed class TensorViewTests
{
    [Theory]
    [InlineData(0, "2,3", "3,1", 6, true)]   // last element 0 + 3 + 2 = 5
    [InlineData(0, "2,3", "3,1", 5, false)]  // … which a 5-element storage does not hold
    [InlineData(1, "2,3", "3,1", 6, false)]  // shifted by one: 6
    [InlineData(0, "2,3", "0,1", 3, true)]   // stride 0 repeats elements: allowed
    [InlineData(100, "0,3", "3,1", 6, true)] // no elements at all: nothing to reach
    [InlineData(-1, "1", "1", 6, false)]     // negative offset
    [InlineData(0, "2,3", "3", 6, false)]    // strides for another rank
    [InlineData(0, "-1,3", "3,1", 6, false)] // negative size
    [InlineData(0, "2,3", "-3,1", 6, false)] // negative stride
    [InlineData(0, "3,1", "4611686018427387904,1", 6, false)] // 2 · 2^62 overflows a long
    public void A_view_fits_its_storage_when_its_last_element_lies_inside(long offset, string shape, string stride, long elements, bool fits)
    {
        new TensorView(ScalarType.Float32, offset, Longs(shape), Longs(stride)).FitsIn(elements).Should().Be(fits);
    }

    [Fact]
    public void A_strided_view_is_copied_out_element_by_element()
    {
        using var scope = NewDisposeScope();
        var storage = arange(12, ScalarType.Float32);

        var copy = new TensorView(ScalarType.Float32, 1, [2, 2], [4, 2]).CutFrom("w.pt", "w", storage);

        copy.data<float>().ToArray().Should().Equal(1, 3, 5, 7);
        copy.is_contiguous().Should().BeTrue();
        new TensorView(ScalarType.Float32, 0, [0, 3], [3, 1]).CutFrom("w.pt", "w", storage).shape.Should().Equal(0, 3);
    }

    [Fact]
    public void A_view_beyond_its_storage_is_refused_describing_it()
    {
        using var storage = arange(6, ScalarType.Float32);

        FluentActions.Invoking(() => new TensorView(ScalarType.Float32, 0, [2, 3], [3, 2]).CutFrom("w.pt", "conv.weight", storage))
            .Should().Throw<WeightsFileException>()
            .WithMessage("'w.pt' is not a valid weights file: tensor 'conv.weight' (shape [2, 3], strides [3, 2], offset 0) reaches beyond its storage of 6 elements.");
    }

    [Fact]
    public void A_view_may_repeat_its_storage_up_to_64_times_and_no_more()
    {
        using var scope = NewDisposeScope();
        var storage = arange(2, ScalarType.Float32);

        new TensorView(ScalarType.Float32, 1, [128], [0]).CutFrom("w.pt", "w", storage).data<float>().ToArray().Should().AllBeEquivalentTo(1f).And.HaveCount(128);
        FluentActions.Invoking(() => new TensorView(ScalarType.Float32, 0, [129], [0]).CutFrom("w.pt", "w", storage))
            .Should().Throw<WeightsFileException>().WithMessage("*repeats its storage of 2 elements into 129, more than 64 times*");
        FluentActions.Invoking(() => new TensorView(ScalarType.Float32, 0, [1L << 32, 1L << 32], [0, 0]).CutFrom("w.pt", "w", storage))
            .Should().Throw<WeightsFileException>().WithMessage($"*into {long.MaxValue:N0}*", "a count that overflows is refused, not wrapped");
    }

    private static long[] Longs(string csv) => [.. csv.Split(',').Select(long.Parse)];
}
