using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// One tensor as torch.save describes it: a dtype, shape and strides at an offset into a storage. PyTorch saves views
/// as they are (non-contiguous layouts such as channels-last, offsets into a storage, several tensors sharing one
/// storage), so each tensor is cut out of its storage, after checking that it lies inside it.
/// </summary>
internal sealed record TensorView(ScalarType DType, long Offset, long[] Shape, long[] Stride)
{
    /// <summary>
    /// A view may repeat elements (stride 0), but a copy of more than this many times its storage's elements is refused
    /// before it is allocated: a few bytes of file must not ask for terabytes.
    /// </summary>
    private const long MaxRepeat = 64;

    /// <summary>Whether the shape and strides are well formed and every element lies inside <paramref name="elements"/>.</summary>
    public bool FitsIn(long elements)
    {
        if (Shape.Length != Stride.Length || Offset < 0 || Shape.Any(size => size < 0) || Stride.Any(stride => stride < 0))
        {
            return false;
        }

        if (Shape.Any(size => size == 0))
        {
            return true;
        }

        try
        {
            long last = Offset;
            for (int i = 0; i < Shape.Length; i++)
            {
                last = checked(last + ((Shape[i] - 1) * Stride[i]));
            }

            return last < elements;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>The view for messages: its shape, strides and offset.</summary>
    public string Describe() => $"shape [{string.Join(", ", Shape)}], strides [{string.Join(", ", Stride)}], offset {Offset}";

    /// <summary>A contiguous copy of this view of <paramref name="storage"/>, after checking it lies inside it.</summary>
    public Tensor CutFrom(string path, string key, Tensor storage)
    {
        long elements = storage.shape[0];
        if (!FitsIn(elements))
        {
            throw new WeightsFileException(path, $"tensor '{key}' ({Describe()}) reaches beyond its storage of {elements:N0} elements.");
        }

        long count = Count();
        if (count > Math.Max(elements, 1) * MaxRepeat)
        {
            throw new WeightsFileException(path, $"tensor '{key}' ({Describe()}) repeats its storage of {elements:N0} elements into {count:N0}, more than {MaxRepeat} times (corrupt or hostile file).");
        }

        var copy = empty(Shape, DType);
        if (count > 0)
        {
            using var view = storage.as_strided(Shape, Stride, Offset);
            copy.copy_(view);
        }

        return copy;
    }

    private long Count()
    {
        try
        {
            return Shape.Aggregate(1L, (product, size) => checked(product * size));
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }
}
