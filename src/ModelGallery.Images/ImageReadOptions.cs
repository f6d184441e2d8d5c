using System.Drawing;

namespace ModelGallery.Images;

/// <summary>
/// How <see cref="ImageFile"/> turns an image file into pixels. The defaults match torchvision's
/// <c>read_image(path, ImageReadMode.RGB)</c> on an opaque image without an EXIF orientation; they differ in applying
/// that orientation and in putting transparent pixels on white. <see cref="TorchvisionCompatible"/> differs in neither.
/// </summary>
public sealed record ImageReadOptions
{
    /// <summary>The default <see cref="MaxPixels"/>: 100 megapixels (a 10000 × 10000 image, 300 MB as a tensor).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>The options used when none are given.</summary>
    public static ImageReadOptions Default { get; } = new();

    /// <summary>
    /// torchvision's reading: Pillow's <c>Image.open(path).convert("RGB")</c> and torchvision 0.14's
    /// <c>read_image(path, ImageReadMode.RGB)</c>. Alpha is dropped, not composited (<see cref="DropAlpha"/>), and the
    /// EXIF orientation is ignored (<see cref="ApplyExifOrientation"/> false); the pixel limit stays the default's.
    /// Use it to reproduce torchvision's published evaluation bit for bit.
    /// </summary>
    public static ImageReadOptions TorchvisionCompatible { get; } = new() { DropAlpha = true, ApplyExifOrientation = false };

    /// <summary>
    /// The opaque colour transparent pixels are composited onto, with straight (not premultiplied) alpha <c>a</c> in
    /// [0, 1]: <c>out = round(a · colour + (1 − a) · Background)</c>. <see cref="Color.White"/> by default. Opaque
    /// images are not affected.
    /// </summary>
    /// <remarks>
    /// A deviation from torchvision's <c>ImageReadMode.RGB</c> and Pillow's <c>convert("RGB")</c>, which drop the
    /// alpha channel and keep whatever colour a transparent pixel stores (often black, sometimes noise); set
    /// <see cref="DropAlpha"/> to do the same.
    /// </remarks>
    /// <exception cref="ArgumentException">The colour is not opaque (its alpha is not 255).</exception>
    public Color Background
    {
        get;
        init => field = value.A == byte.MaxValue ? Color.FromArgb(value.ToArgb()) // by value: White equals FromArgb(255, 255, 255)
            : throw new ArgumentException($"Background must be an opaque colour (alpha 255); received alpha {value.A} ({value}).", nameof(Background));
    } = Color.FromArgb(255, 255, 255); // white, by value (as the setter stores colours)

    /// <summary>
    /// Whether the alpha channel is dropped instead of composited: every pixel keeps the colour it stores, whatever its
    /// alpha, as Pillow's <c>convert("RGB")</c> and torchvision's <c>ImageReadMode.RGB</c> do. <see cref="Background"/>
    /// is then unused. False by default.
    /// </summary>
    public bool DropAlpha { get; init; }

    /// <summary>
    /// The most pixels (width × height, as the file's header announces them) an image may have. A larger image is
    /// refused with <see cref="ImageDecodeFailure.TooLarge"/> before any pixel buffer is allocated, which guards
    /// against decompression bombs (a few kilobytes that claim 100000 × 100000 pixels). Default
    /// <see cref="DefaultMaxPixels"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero or negative.</exception>
    public long MaxPixels
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPixels), value, $"MaxPixels must be at least 1 pixel; received {value}.");
    } = DefaultMaxPixels;

    /// <summary>
    /// Whether the EXIF orientation tag (JPEG, WebP, PNG) turns the pixels upright, as a photo viewer shows them: a
    /// portrait photo that the camera stored sideways comes out H × W with H &gt; W. True by default.
    /// </summary>
    /// <remarks>
    /// A deviation from torchvision, whose <c>decode_image</c> and <c>read_image</c> take
    /// <c>apply_exif_orientation=False</c> by default; Pillow's <c>Image.open</c> ignores the tag too until
    /// <c>ImageOps.exif_transpose</c>. Set false to get the stored pixels, as those do.
    /// </remarks>
    public bool ApplyExifOrientation { get; init; } = true;
}
