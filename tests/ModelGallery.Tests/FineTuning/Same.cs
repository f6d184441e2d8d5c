using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>Bit equality of tensors: the same shape, dtype and every element.</summary>
internal static class Same
{
    public static bool Tensors(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape) || actual.dtype != expected.dtype)
        {
            return false;
        }

        using var equal = actual.eq(expected);
        using var all = equal.all();
        return all.item<bool>();
    }
}
