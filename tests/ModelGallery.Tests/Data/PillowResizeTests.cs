using ModelGallery.Data;

namespace ModelGallery.Tests.Data;

/// <summary>
/// Pillow's fixed-point weights counted by hand for a 4 → 2 shrink (scale 2, support 2, 22 fraction bits); the
/// photo-level proof is Pretrained/PilParityTests.
/// </summary>
public sealed class PillowResizeTests
{
    [Fact]
    public void Shrinking_4_to_2_weights_3_3_1_sevenths_in_22_bit_fixed_point()
    {
        // Output 0: centre 1, inputs (int)(1 − 2 + 0.5) = 0 up to (int)(1 + 2 + 0.5) = 3; triangle((j − 1 + 0.5) / 2) =
        // 0.75, 0.75, 0.25, so 3/7, 3/7, 1/7; × 2^22 = 1797558.86 → 1797559 and 599186.29 → 599186. Output 1 mirrors it.
        var axis = PillowResize.Coefficients(4, 2);

        axis.KernelSize.Should().Be(5);
        axis.Start.Should().Equal(0, 1);
        axis.Count.Should().Equal(3, 3);
        axis.Weights.Should().Equal(1797559, 1797559, 599186, 0, 0, 599186, 1797559, 1797559, 0, 0);
    }

    [Fact]
    public void A_row_is_summed_from_one_half_and_shifted_down()
    {
        // (0·3 + 100·3 + 200·1) / 7 = 71.43 → 71; (100·1 + 200·3 + 255·3) / 7 = 209.29 → 209. In fixed point:
        // 2^21 + 299593100 = 301690252, >> 22 = 71; 2^21 + 877807945 = 879905097, >> 22 = 209.
        byte[] row = [0, 100, 200, 255];

        PillowResize.Resize(row, channels: 1, height: 1, width: 4, newHeight: 1, newWidth: 2).Should().Equal(71, 209);
    }

    [Fact]
    public void The_same_size_is_a_copy()
    {
        byte[] image = [1, 2, 3, 4, 5, 6];

        var copy = PillowResize.Resize(image, channels: 1, height: 2, width: 3, newHeight: 2, newWidth: 3);

        copy.Should().Equal(image).And.NotBeSameAs(image);
    }

    [Fact]
    public void A_buffer_of_the_wrong_length_is_refused_naming_both_lengths()
    {
        var act = () => PillowResize.Resize(new byte[5], channels: 3, height: 2, width: 1, newHeight: 1, newWidth: 1);

        act.Should().Throw<ArgumentException>().WithMessage("*3×2×1 = 6 bytes*received 5*");
    }
}
