using System.Buffers;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// Reads image files into tensors of unsigned bytes, 3 × H × W (RGB, channels first): what torchvision's
/// <c>read_image(path, ImageReadMode.RGB)</c> and <c>pil_to_tensor(Image.open(path).convert("RGB"))</c> give.
/// JPEG, PNG, WebP, BMP and GIF (its first frame) are read with SkiaSharp. Grayscale, palette and 16-bit images become
/// 8-bit RGB (a 16-bit sample keeps its high byte, v &gt;&gt; 8, as Pillow and libpng's png_set_strip_16 do); transparent pixels are composited onto
/// <see cref="ImageReadOptions.Background"/>; the EXIF orientation is applied (<see cref="ImageReadOptions.ApplyExifOrientation"/>).
/// Embedded colour profiles are ignored, as Pillow and torchvision ignore them.
/// </summary>
/// <remarks>
/// The tensor is built from a managed array and owned by the caller (dispose it, or let a dispose scope do so); the
/// native Skia objects used for decoding are released before the method returns. JPEG and lossy WebP pixels equal
/// Pillow 9.4's on Debian 12 (libjpeg-turbo 2.1.5, libwebp 1.2.4) on every test photo: Skia's libjpeg-turbo uses
/// the same islow IDCT and fancy chroma upsampling. Another build of torchvision (another libjpeg, or its GPU
/// decoder) can differ from both by a few levels.
/// </remarks>
public static class ImageFile
{
    /// <summary>Reads the image file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Background, pixel limit and orientation; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <returns>3 × H × W unsigned bytes (RGB), upright.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageDecodeException">The file is empty, not an image, unsupported, truncated, corrupt or over <see cref="ImageReadOptions.MaxPixels"/>.</exception>
    public static Tensor Read(string path, ImageReadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path)
                ? $"'{path}' is a directory; expected an image file."
                : $"No image file at '{path}'.", path);
        }

        return Decode(File.ReadAllBytes(path), path, options);
    }

    /// <summary>Reads an image from <paramref name="stream"/>, from its current position to its end; the stream is not closed.</summary>
    /// <param name="stream">The encoded image.</param>
    /// <param name="name">What errors call the image (a file name or URL).</param>
    /// <param name="options">Background, pixel limit and orientation; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <returns>3 × H × W unsigned bytes (RGB), upright.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space, or <paramref name="stream"/> cannot be read.</exception>
    /// <exception cref="ImageDecodeException">The data is empty, not an image, unsupported, truncated, corrupt or over <see cref="ImageReadOptions.MaxPixels"/>.</exception>
    public static Tensor Read(Stream stream, string name, ImageReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!stream.CanRead)
        {
            throw new ArgumentException($"The stream of '{name}' cannot be read (CanRead is false); expected a readable stream.", nameof(stream));
        }

        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Decode(buffer.ToArray(), name, options);
    }

    private static Tensor Decode(byte[] encoded, string name, ImageReadOptions? options)
    {
        options ??= ImageReadOptions.Default;
        DecodedImage image = SkiaDecoder.Decode(encoded, name, options.MaxPixels);
        if (!options.ApplyExifOrientation)
        {
            image = image with { Origin = SkiaSharp.SKEncodedOrigin.TopLeft };
        }

        try
        {
            (int width, int height) = PixelLayout.OrientedSize(image.Width, image.Height, image.Origin);
            return tensor(PixelLayout.ToChw(image, options.Background), [3, height, width], ScalarType.Byte);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(image.Rgba);
        }
    }
}
