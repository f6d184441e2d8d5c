using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// Image transforms as tensor operations, with torchvision's semantics (<c>torchvision.transforms.functional</c>): an
/// image is C×H×W or a batch N×C×H×W, unsigned bytes on [0, 255] or floating point on [0, 1]. Byte images stay bytes:
/// resized by default as Pillow resizes (<see cref="Resampling.Pillow"/>, torchvision's PIL path), or in float32 and
/// rounded (<see cref="Resampling.TensorAntialias"/>, torchvision's tensor path).
/// </summary>
internal static class ImageTransforms
{
    /// <summary>Resizes so that the shorter side is <paramref name="size"/>, keeping the aspect ratio (the longer side is truncated, as torchvision does).</summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <param name="size">The shorter side's new length, at least 1.</param>
    /// <param name="resampling">How pixels are computed: Pillow's way (the default, as torchvision's PIL path) or libtorch's.</param>
    /// <returns>A new tensor; a copy of the image when its shorter side already is <paramref name="size"/> (torchvision returns the image itself).</returns>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    public static Tensor ResizeShorterSide(Tensor image, int size, Resampling resampling = Resampling.Pillow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (height, width) = Size(image, nameof(image));
        long shorter = Math.Min(height, width), longer = Math.Max(height, width);
        int newLonger = checked((int)(size * longer / (double)shorter));
        return height <= width ? Resize(image, size, newLonger, resampling) : Resize(image, newLonger, size, resampling);
    }

    /// <summary>Resizes to <paramref name="height"/> × <paramref name="width"/> with bilinear interpolation (half-pixel centres, no corner alignment).</summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <param name="height">New height, at least 1.</param>
    /// <param name="width">New width, at least 1.</param>
    /// <param name="resampling">How pixels are computed: Pillow's way (the default, as torchvision's PIL path; bytes only, floats go as <see cref="Resampling.TensorAntialias"/>) or libtorch's.</param>
    /// <returns>A new tensor; a copy of the image when it already has that size (torchvision returns the image itself).</returns>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor, or <paramref name="resampling"/> is not a defined value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static Tensor Resize(Tensor image, int height, int width, Resampling resampling = Resampling.Pillow)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var (imageHeight, imageWidth) = Size(image, nameof(image));
        if (!Enum.IsDefined(resampling))
        {
            throw new ArgumentException($"Expected a Resampling value ({string.Join(", ", Enum.GetNames<Resampling>())}); received {(int)resampling}.", nameof(resampling));
        }

        if (imageHeight == height && imageWidth == width)
        {
            return image.clone(); // torchvision returns the image itself; a copy, so that no caller writes into its input
        }

        bool bytes = image.dtype == ScalarType.Byte;
        if (bytes && resampling == Resampling.Pillow)
        {
            return PillowResample(image, height, width);
        }

        using var scope = NewDisposeScope();
        bool single = image.dim() == 3;
        Tensor x = single ? image.unsqueeze(0) : image;
        bool antialias = resampling != Resampling.TensorNoAntialias;
        if (bytes)
        {
            x = x.to(ScalarType.Float32);
        }

        x = nn.functional.interpolate(x, [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: antialias);
        if (bytes)
        {
            using Scalar low = 0, high = 255; // explicit, disposed after the call: TorchSharp leaves an implicit Scalar to its finalizer, which can run mid-call
            x = x.round().clamp(low, high).to(ScalarType.Byte);
        }

        return (single ? x.squeeze(0) : x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Cuts the central <paramref name="height"/> × <paramref name="width"/> region; an image smaller than that is
    /// first padded with zeros (the extra pixel of an odd difference going right and bottom). Offsets round half to
    /// even, as Python's <c>round</c> does.
    /// </summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <param name="height">Crop height, at least 1.</param>
    /// <param name="width">Crop width, at least 1.</param>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is below 1.</exception>
    public static Tensor CenterCrop(Tensor image, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        var (imageHeight, imageWidth) = Size(image, nameof(image));
        using var scope = NewDisposeScope();
        Tensor x = image;
        if (width > imageWidth || height > imageHeight)
        {
            long padWidth = Math.Max(0, width - imageWidth), padHeight = Math.Max(0, height - imageHeight);
            x = nn.functional.pad(x, [padWidth / 2, (padWidth + 1) / 2, padHeight / 2, (padHeight + 1) / 2], value: 0);
            (imageHeight, imageWidth) = (x.shape[^2], x.shape[^1]);
        }

        long top = (long)Math.Round((imageHeight - height) / 2.0, MidpointRounding.ToEven);
        long left = (long)Math.Round((imageWidth - width) / 2.0, MidpointRounding.ToEven);
        return x.narrow(-2, top, height).narrow(-1, left, width).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Converts bytes on [0, 255] to float32 on [0, 1]; a floating-point image is returned as float32.</summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor.</exception>
    public static Tensor ToFloat(Tensor image)
    {
        Size(image, nameof(image));
        if (image.dtype != ScalarType.Byte)
        {
            return image.to(ScalarType.Float32);
        }

        using Scalar scale = 255.0; // explicit, disposed after the call: TorchSharp leaves an implicit Scalar to its finalizer, which can run mid-call
        return image.to(ScalarType.Float32).div_(scale);
    }

    /// <summary>Normalises each channel as <c>(x − mean) / std</c>.</summary>
    /// <param name="image">C×H×W or N×C×H×W floats.</param>
    /// <param name="mean">One mean per channel.</param>
    /// <param name="std">One standard deviation per channel, each positive.</param>
    /// <exception cref="ArgumentException">The image is not floating point, or the statistics do not have one value per channel, or a standard deviation is not positive.</exception>
    public static Tensor Normalize(Tensor image, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        Size(image, nameof(image));
        if (!image.is_floating_point())
        {
            throw new ArgumentException($"Normalize expects a floating-point image; received {image.dtype} (convert bytes with ToFloat first).", nameof(image));
        }

        long channels = image.shape[^3];
        if (mean.Count != channels || std.Count != channels || std.Any(s => !(s > 0)))
        {
            throw new ArgumentException($"Normalize needs one mean and one positive std per channel ({channels}); received mean [{string.Join(", ", mean)}], std [{string.Join(", ", std)}].", nameof(std));
        }

        using var scope = NewDisposeScope();
        var shape = new long[] { channels, 1, 1 };
        Tensor m = tensor(mean.Select(v => (float)v).ToArray(), dtype: image.dtype).reshape(shape);
        Tensor s = tensor(std.Select(v => (float)v).ToArray(), dtype: image.dtype).reshape(shape);
        return ((image - m) / s).MoveToOuterDisposeScope();
    }

    private static Tensor PillowResample(Tensor image, int height, int width)
    {
        using var scope = NewDisposeScope();
        Tensor x = image.dim() == 3 ? image.unsqueeze(0) : image;
        int channels = checked((int)x.shape[1]), imageHeight = checked((int)x.shape[2]), imageWidth = checked((int)x.shape[3]);
        var resized = new Tensor[x.shape[0]];
        for (int n = 0; n < resized.Length; n++)
        {
            // Tensor.bytes reads and writes the storage directly; TensorAccessor.ToArray goes element by element (20× slower here).
            byte[] planes = PillowResize.Resize(x[n].cpu().contiguous().bytes, channels, imageHeight, imageWidth, height, width);
            resized[n] = empty([channels, height, width], ScalarType.Byte);
            planes.CopyTo(resized[n].bytes);
        }

        Tensor result = image.dim() == 3 ? resized[0] : stack(resized);
        return result.to(image.device).MoveToOuterDisposeScope();
    }

    private static (long Height, long Width) Size(Tensor image, string name)
    {
        ArgumentNullException.ThrowIfNull(image, name);
        if (image.dim() is not (3 or 4) || !(image.dtype == ScalarType.Byte || image.is_floating_point()) || image.shape[^1] < 1 || image.shape[^2] < 1)
        {
            throw new ArgumentException($"An image is C×H×W or N×C×H×W of bytes or floats, at least 1×1; received {image.dtype} [{string.Join(", ", image.shape)}].", name);
        }

        return (image.shape[^2], image.shape[^1]);
    }
}
