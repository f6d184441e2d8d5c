using ModelGallery.IO;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// Reads image files into tensors of unsigned bytes, 3 × H × W (RGB, channels first). JPEG, PNG, WebP, BMP and GIF
/// (its first frame) are read with SkiaSharp; on Linux x64 a JPEG's pixels come from OpenCV's libjpeg-turbo, built
/// with SIMD, which decodes about twice as fast as Skia's and gives the same pixels. Grayscale, palette and 16-bit images become 8-bit RGB (a 16-bit sample
/// keeps its high byte, v &gt;&gt; 8, as Pillow and libpng's png_set_strip_16 do). Embedded colour profiles are
/// ignored, as Pillow and torchvision ignore them.
/// </summary>
/// <remarks>
/// <para><b>Where the default differs from torchvision.</b> On an opaque image without an EXIF orientation tag the
/// pixels are what torchvision 0.14's <c>read_image(path, ImageReadMode.RGB)</c> and
/// <c>pil_to_tensor(Image.open(path).convert("RGB"))</c> give. Two cases differ, on purpose:</para>
/// <list type="bullet">
/// <item><description>Transparency: the default composites each pixel onto <see cref="ImageReadOptions.Background"/>
/// (white). Pillow's <c>convert("RGB")</c> and torchvision drop the alpha channel and keep the colour a transparent
/// pixel happens to store (often black, sometimes noise), so a logo on a transparent background comes out on black or
/// on garbage. Why: what a viewer shows is what a classifier should see.</description></item>
/// <item><description>EXIF orientation: the default turns the image upright (<see cref="ImageReadOptions.ApplyExifOrientation"/>);
/// torchvision 0.14 and <c>Image.open</c> ignore the tag, so a phone's portrait photo reaches their model lying on
/// its side. Why: the same reason.</description></item>
/// </list>
/// <para>To reproduce torchvision's reading exactly (its published accuracies were measured on what <c>convert("RGB")</c>
/// gives), pass <see cref="ImageReadOptions.TorchvisionCompatible"/>: alpha dropped, not composited, and the EXIF tag
/// ignored.</para>
/// <para>JPEG and lossy WebP pixels equal Pillow 9.4's on Debian 12 (libjpeg-turbo 2.1.5, libwebp 1.2.4) on every
/// test photo: OpenCV's and Skia's libjpeg-turbo use the same islow IDCT and fancy chroma upsampling (CMYK JPEGs, whose
/// conversion to RGB OpenCV does differently, are decoded by Skia). Another build of torchvision
/// (another libjpeg, or its GPU decoder) can differ from both by a few levels.</para>
/// <para>Memory: the tensor (3 bytes a pixel, native) is owned by the caller (dispose it, or let a dispose scope do
/// so). OpenCV decodes a JPEG into a 3-bytes-a-pixel native BGR image, then splits it into the tensor's planes; BMP
/// (and a JPEG where OpenCV does not load) is decoded one scanline at a time straight into the tensor; PNG, WebP and
/// GIF, which Skia decodes only whole, go through a 4-bytes-a-pixel native RGBA buffer. Each buffer is freed before
/// the method returns. A read therefore peaks at 3 (BMP), 6 (JPEG) or 7 (PNG, WebP, GIF) bytes a pixel plus twice the
/// encoded file: at most 700 MB at the default
/// <see cref="ImageReadOptions.MaxPixels"/> of 100 megapixels. Lower <see cref="ImageReadOptions.MaxPixels"/> to
/// bound it further: a larger image is refused from its header, before any pixel buffer exists.</para>
/// </remarks>
public static class ImageFile
{
    /// <summary>Reads the image file at <paramref name="path"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Background (or dropped alpha), pixel limit and orientation; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <returns>3 × H × W unsigned bytes (RGB), upright unless <see cref="ImageReadOptions.ApplyExifOrientation"/> is false.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="ImageDecodeException">The path is a named pipe, a device or a socket (refused before it is opened, as reading one can block forever); or the file is empty, not an image, unsupported, truncated, corrupt or over <see cref="ImageReadOptions.MaxPixels"/>.</exception>
    public static Tensor Read(string path, ImageReadOptions? options = null) => Decode(ReadEncoded(path), path, options);

    /// <summary>The bytes of the file at <paramref name="path"/>, after the checks of <see cref="Read(string, ImageReadOptions?)"/> (a folder, a missing file, a named pipe).</summary>
    internal static byte[] ReadEncoded(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path)
                ? $"'{path}' is a directory; expected an image file."
                : $"No image file at '{path}'.", path);
        }

        if (UnixFile.Special(path) is { } special)
        {
            // Checked before opening: opening a named pipe for reading blocks until something writes to it.
            throw new ImageDecodeException(path, ImageDecodeFailure.NotARegularFile,
                $"it is {special}, not a regular file; expected a JPEG, PNG, WebP, BMP or GIF file.");
        }

        return File.ReadAllBytes(path);
    }

    /// <summary>Reads an image from <paramref name="stream"/>, from its current position to its end; the stream is not closed.</summary>
    /// <param name="stream">The encoded image.</param>
    /// <param name="name">What errors call the image (a file name or URL).</param>
    /// <param name="options">Background (or dropped alpha), pixel limit and orientation; <see cref="ImageReadOptions.Default"/> when null.</param>
    /// <returns>3 × H × W unsigned bytes (RGB), upright unless <see cref="ImageReadOptions.ApplyExifOrientation"/> is false.</returns>
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

    /// <summary>Decodes bytes read by <see cref="ReadEncoded"/>; <paramref name="name"/> goes into errors.</summary>
    internal static Tensor Decode(byte[] encoded, string name, ImageReadOptions? options) =>
        SkiaDecoder.Decode(encoded, name, options ?? ImageReadOptions.Default);
}
