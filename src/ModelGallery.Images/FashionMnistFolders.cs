using ModelGallery.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// Writes Fashion-MNIST as an image folder: one PNG per image (8-bit grayscale, 28×28) in one folder per class, so
/// that the folder path of fine-tuning (<see cref="ImageFolder"/>, <see cref="ImageLoader"/>) runs on real data.
/// </summary>
public static class FashionMnistFolders
{
    /// <summary>
    /// The class folders' names, by label: the label, an underscore, then <see cref="FashionMnist.ClassNames"/>' name
    /// with <c>/</c> and spaces as <c>_</c> (<c>0_T-shirt_top</c> … <c>9_Ankle_boot</c>). The leading digit makes
    /// ordinal order label order, so <see cref="ImageFolder.Open"/> gives back Fashion-MNIST's labels.
    /// </summary>
    public static IReadOnlyList<string> ClassFolders { get; } =
        [.. FashionMnist.ClassNames.Select((name, label) => $"{label}_{name.Replace('/', '_').Replace(' ', '_')}")];

    /// <summary>
    /// Writes the first <paramref name="limit"/> images of <paramref name="split"/> (all when null) to
    /// <c><paramref name="folder"/>/&lt;class folder&gt;/&lt;index&gt;.png</c>, the index zero-padded to five digits so
    /// that file order is the data set's order. Existing files of the same names are replaced.
    /// </summary>
    /// <param name="split">The loaded images and labels.</param>
    /// <param name="folder">The root to write the class folders into; created if missing.</param>
    /// <param name="limit">How many images, from the first; null for all.</param>
    /// <returns>The number of files written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="split"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is negative.</exception>
    public static int Write(FashionMnist split, string folder, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (limit is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"The limit must be zero or more images (or null for all); received {limit}.");
        }

        int count = (int)Math.Min(split.Count, limit ?? long.MaxValue);
        byte[] pixels;
        long[] labels;
        using (NewDisposeScope())
        {
            pixels = split.Images.narrow(0, 0, count).contiguous().data<byte>().ToArray();
            labels = split.Labels.narrow(0, 0, count).contiguous().data<long>().ToArray();
        }

        foreach (string name in ClassFolders)
        {
            Directory.CreateDirectory(Path.Combine(folder, name));
        }

        var info = new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
        for (int i = 0; i < count; i++)
        {
            using var image = SKImage.FromPixelCopy(info, pixels.AsSpan(i * 28 * 28, 28 * 28), 28);
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(folder, ClassFolders[(int)labels[i]], $"{i:D5}.png"), png.ToArray());
        }

        return count;
    }
}
