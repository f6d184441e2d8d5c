using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// Random training augmentations as tensor operations, with torchvision's semantics
/// (<c>torchvision.transforms.RandomResizedCrop</c> and <c>RandomHorizontalFlip</c>). The randomness comes from a
/// <see cref="Random"/> the caller passes, so a seeded generator gives the same crops every run.
/// </summary>
/// <remarks>
/// torchvision draws from PyTorch's global generator; the same seed therefore gives different crops there and here.
/// The sampling <i>algorithm</i> is torchvision's (same draws, same order, same rounding); the tests check the
/// geometry against torchvision with fixed boxes and the sampler by its statistics.
/// </remarks>
internal static class ImageAugmentation
{
    /// <summary>torchvision's default lower bound of the crop's area, as a fraction of the image's.</summary>
    public const double DefaultMinScale = 0.08;

    /// <summary>torchvision's default upper bound of the crop's area fraction.</summary>
    public const double DefaultMaxScale = 1.0;

    /// <summary>torchvision's default lower bound of the crop's aspect ratio (width / height).</summary>
    public const double DefaultMinRatio = 3.0 / 4.0;

    /// <summary>torchvision's default upper bound of the crop's aspect ratio.</summary>
    public const double DefaultMaxRatio = 4.0 / 3.0;

    private const int Attempts = 10;

    /// <summary>
    /// Cuts a random region and resizes it to <paramref name="size"/> × <paramref name="size"/> (bilinear, antialiased):
    /// torchvision's <c>RandomResizedCrop(size, antialias=True)</c>. The region is drawn by <see cref="SampleCropBox"/>.
    /// </summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats (a batch gets one region for all its images, as in torchvision).</param>
    /// <param name="size">The output's side, at least 1.</param>
    /// <param name="random">The source of randomness.</param>
    /// <param name="minScale">Smallest area fraction of the region, above 0.</param>
    /// <param name="maxScale">Largest area fraction, at least <paramref name="minScale"/>.</param>
    /// <param name="minRatio">Smallest aspect ratio (width / height), above 0.</param>
    /// <param name="maxRatio">Largest aspect ratio, at least <paramref name="minRatio"/>.</param>
    /// <returns>The crop, same dtype, <paramref name="size"/> × <paramref name="size"/>.</returns>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, scale or ratio is out of range.</exception>
    public static Tensor RandomResizedCrop(
        Tensor image, int size, Random random,
        double minScale = DefaultMinScale, double maxScale = DefaultMaxScale, double minRatio = DefaultMinRatio, double maxRatio = DefaultMaxRatio)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        CheckImage(image);
        var box = SampleCropBox(checked((int)image.shape[^2]), checked((int)image.shape[^1]), random, minScale, maxScale, minRatio, maxRatio);
        return ResizedCrop(image, box, size);
    }

    /// <summary>
    /// Draws a region as torchvision's <c>RandomResizedCrop.get_params</c> does: up to ten attempts, each drawing an
    /// area fraction uniformly from [<paramref name="minScale"/>, <paramref name="maxScale"/>] and a log aspect ratio
    /// uniformly from [ln <paramref name="minRatio"/>, ln <paramref name="maxRatio"/>], rounding width and height half
    /// to even (Python's <c>round</c>), and, when the region fits, drawing its top row and left column uniformly.
    /// When no attempt fits, the fallback is torchvision's: the largest central region whose aspect ratio is clamped
    /// to the range (the whole image when its own ratio is inside it).
    /// </summary>
    /// <param name="height">The image's height, at least 1.</param>
    /// <param name="width">The image's width, at least 1.</param>
    /// <param name="random">The source of randomness: <see cref="Random.NextDouble"/> for the two uniform draws of each attempt, <see cref="Random.Next(int, int)"/> for the position.</param>
    /// <param name="minScale">Smallest area fraction, above 0.</param>
    /// <param name="maxScale">Largest area fraction, at least <paramref name="minScale"/>.</param>
    /// <param name="minRatio">Smallest aspect ratio (width / height), above 0.</param>
    /// <param name="maxRatio">Largest aspect ratio, at least <paramref name="minRatio"/>.</param>
    /// <returns>A region inside the image.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size, scale or ratio is out of range.</exception>
    public static CropBox SampleCropBox(
        int height, int width, Random random,
        double minScale = DefaultMinScale, double maxScale = DefaultMaxScale, double minRatio = DefaultMinRatio, double maxRatio = DefaultMaxRatio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentNullException.ThrowIfNull(random);
        CheckRange(minScale, maxScale, "scale", nameof(minScale), nameof(maxScale));
        CheckRange(minRatio, maxRatio, "ratio", nameof(minRatio), nameof(maxRatio));

        double area = (double)height * width;
        double logMin = Math.Log(minRatio), logMax = Math.Log(maxRatio);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            double targetArea = area * Uniform(random, minScale, maxScale);
            double aspectRatio = Math.Exp(Uniform(random, logMin, logMax));
            double w = Math.Round(Math.Sqrt(targetArea * aspectRatio), MidpointRounding.ToEven);
            double h = Math.Round(Math.Sqrt(targetArea / aspectRatio), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = random.Next(0, height - (int)h + 1);
                int left = random.Next(0, width - (int)w + 1);
                return new CropBox(top, left, (int)h, (int)w);
            }
        }

        return CentralFallback(height, width, minRatio, maxRatio);
    }

    /// <summary>Cuts <paramref name="box"/> and resizes it to <paramref name="size"/>²: torchvision's <c>F.resized_crop(img, top, left, height, width, [size, size], antialias=True)</c>.</summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <param name="box">The region; it must lie inside the image.</param>
    /// <param name="size">The output's side, at least 1.</param>
    /// <returns>The crop, same dtype, <paramref name="size"/> × <paramref name="size"/>.</returns>
    /// <exception cref="ArgumentException">The image is not a byte or float image, or the box is not inside it.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is below 1.</exception>
    /// <remarks>
    /// A deviation: torchvision pads a box reaching outside the image with zeros; this throws, because
    /// <see cref="SampleCropBox"/> never draws such a box and one given by hand is a mistake.
    /// </remarks>
    public static Tensor ResizedCrop(Tensor image, CropBox box, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        CheckImage(image);
        long height = image.shape[^2], width = image.shape[^1];
        if (box.Top < 0 || box.Left < 0 || box.Height < 1 || box.Width < 1 || box.Top + box.Height > height || box.Left + box.Width > width)
        {
            throw new ArgumentException($"The crop box must lie inside the {height}×{width} image; received {box}.", nameof(box));
        }

        using var crop = image.narrow(-2, box.Top, box.Height).narrow(-1, box.Left, box.Width);
        return ImageTransforms.Resize(crop, size, size, Resampling.TensorAntialias); // the tensor path, which the augmentation fixtures hold
    }

    /// <summary>Mirrors the image left to right (torchvision's <c>F.hflip</c>).</summary>
    /// <param name="image">C×H×W or N×C×H×W, bytes or floats.</param>
    /// <returns>A new tensor, same shape and dtype.</returns>
    /// <exception cref="ArgumentException">The image is not a 3- or 4-dimensional byte or float tensor.</exception>
    public static Tensor HorizontalFlip(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckImage(image);
        return image.flip(-1);
    }

    private static CropBox CentralFallback(int height, int width, double minRatio, double maxRatio)
    {
        double inRatio = (double)width / height;
        int w = width, h = height;
        if (inRatio < minRatio)
        {
            h = (int)Math.Round(w / minRatio, MidpointRounding.ToEven);
        }
        else if (inRatio > maxRatio)
        {
            w = (int)Math.Round(h * maxRatio, MidpointRounding.ToEven);
        }

        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }

    /// <summary>torch's <c>uniform_(from, to)</c>: <c>from + (to − from) · U</c> with U on [0, 1).</summary>
    private static double Uniform(Random random, double from, double to) => from + ((to - from) * random.NextDouble());

    private static void CheckRange(double min, double max, string what, string minName, string maxName)
    {
        if (!(min > 0) || double.IsInfinity(min))
        {
            throw new ArgumentOutOfRangeException(minName, min, $"The {what} range must start above 0 and be finite; received [{min}, {max}].");
        }

        if (!(max >= min) || double.IsInfinity(max))
        {
            throw new ArgumentOutOfRangeException(maxName, max, $"The {what} range must be finite with its end at least its start; received [{min}, {max}].");
        }
    }

    private static void CheckImage(Tensor image)
    {
        if (image.dim() is not (3 or 4) || !(image.dtype == ScalarType.Byte || image.is_floating_point()) || image.shape[^1] < 1 || image.shape[^2] < 1)
        {
            throw new ArgumentException($"An image is C×H×W or N×C×H×W of bytes or floats, at least 1×1; received {image.dtype} [{string.Join(", ", image.shape)}].", nameof(image));
        }
    }
}
