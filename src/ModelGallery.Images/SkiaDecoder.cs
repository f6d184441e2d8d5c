using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;

namespace ModelGallery.Images;

/// <summary>An image's first frame as straight-alpha RGBA bytes (row-major, H × W × 4), with the orientation its metadata asks for.</summary>
/// <param name="Rgba">The pixels as stored in the file (not yet oriented), in an array rented from <see cref="ArrayPool{T}.Shared"/> that may be longer than W × H × 4: the reader returns it.</param>
/// <param name="Width">Stored width.</param>
/// <param name="Height">Stored height.</param>
/// <param name="Origin">The EXIF orientation; <see cref="SKEncodedOrigin.TopLeft"/> when there is none.</param>
/// <param name="Opaque">The format has no alpha (JPEG, PNG without transparency): every alpha byte is 255.</param>
internal sealed record DecodedImage(byte[] Rgba, int Width, int Height, SKEncodedOrigin Origin, bool Opaque);

/// <summary>Decodes encoded bytes with Skia's codecs; every native object is disposed before returning.</summary>
internal static class SkiaDecoder
{
    private static readonly SKEncodedImageFormat[] Supported =
        [SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp, SKEncodedImageFormat.Bmp, SKEncodedImageFormat.Gif];

    /// <summary>Decodes the first frame; <paramref name="name"/> goes into every error.</summary>
    /// <exception cref="ImageDecodeException">Empty, not an image, unsupported, too large, truncated or corrupt.</exception>
    public static DecodedImage Decode(byte[] encoded, string name, long maxPixels)
    {
        if (encoded.Length == 0)
        {
            throw new ImageDecodeException(name, ImageDecodeFailure.Empty, "the file is empty (0 bytes); expected a JPEG, PNG, WebP, BMP or GIF image.");
        }

        using var data = SKData.CreateCopy(encoded);
        using var stream = new SKMemoryStream(data);
        // The codec owns the stream from here on; disposing the codec releases both.
        using var codec = SKCodec.Create(stream, out SKCodecResult created) ?? throw NotDecodable(encoded, name, created);
        if (!Supported.Contains(codec.EncodedFormat))
        {
            throw new ImageDecodeException(name, ImageDecodeFailure.UnsupportedFormat,
                $"it is a {codec.EncodedFormat} image; expected JPEG, PNG, WebP, BMP or GIF.");
        }

        // The header's size, checked before any pixel buffer exists: a decompression bomb stops here.
        SKImageInfo stored = codec.Info;
        long pixels = (long)stored.Width * stored.Height;
        long limit = Math.Min(maxPixels, Array.MaxLength / 4);
        if (pixels > limit)
        {
            throw new ImageDecodeException(name, ImageDecodeFailure.TooLarge,
                $"its header announces {stored.Width} × {stored.Height} = {Count(pixels)} pixels, more than the limit of {Count(limit)} pixels "
                + (limit < maxPixels ? "(the most one managed array of RGBA bytes holds)." : "(ImageReadOptions.MaxPixels)."));
        }

        // Straight alpha and no colour space: Skia converts neither colours (ICC profiles and gAMA are ignored, as
        // Pillow and torchvision ignore them) nor premultiplies, so compositing sees the stored colour and alpha.
        var info = new SKImageInfo(stored.Width, stored.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        // Pooled: a camera-sized image is a large-object array, and a loader decodes hundreds per second on several threads.
        byte[] rgba = ArrayPool<byte>.Shared.Rent(checked(stored.Width * stored.Height * 4));
        var handle = GCHandle.Alloc(rgba, GCHandleType.Pinned);
        SKCodecResult decoded;
        try
        {
            decoded = codec.GetPixels(info, handle.AddrOfPinnedObject(), new SKCodecOptions(frameIndex: 0));
        }
        finally
        {
            handle.Free();
        }

        if (decoded == SKCodecResult.Success)
        {
            return new DecodedImage(rgba, stored.Width, stored.Height, Origin(codec, encoded), stored.AlphaType == SKAlphaType.Opaque);
        }

        ArrayPool<byte>.Shared.Return(rgba);
        throw decoded switch
        {
            // Skia fills what it could not decode and reports it; a truncated file must not pass as grey pixels.
            SKCodecResult.IncompleteInput => new ImageDecodeException(name, ImageDecodeFailure.Truncated,
                $"the {codec.EncodedFormat} data ends before all {stored.Width} × {stored.Height} pixels were decoded (the file is truncated; {Count(encoded.Length)} bytes)."),
            SKCodecResult.ErrorInInput => new ImageDecodeException(name, ImageDecodeFailure.Corrupt,
                $"the {codec.EncodedFormat} data of {stored.Width} × {stored.Height} pixels is invalid (Skia: {decoded})."),
            _ => new ImageDecodeException(name, ImageDecodeFailure.Corrupt,
                $"Skia could not decode the {codec.EncodedFormat} image of {stored.Width} × {stored.Height} pixels: {decoded}."),
        };
    }

    /// <summary>The EXIF orientation: Skia's for JPEG and WebP; read here from a PNG's eXIf chunk, which Skia skips.</summary>
    private static SKEncodedOrigin Origin(SKCodec codec, byte[] encoded) =>
        codec.EncodedFormat == SKEncodedImageFormat.Png && codec.EncodedOrigin == SKEncodedOrigin.TopLeft ? PngExif.Origin(encoded) : codec.EncodedOrigin;

    private static ImageDecodeException NotDecodable(byte[] encoded, string name, SKCodecResult result)
    {
        if (result == SKCodecResult.IncompleteInput)
        {
            return new ImageDecodeException(name, ImageDecodeFailure.Truncated,
                $"the file ends inside the image header ({Count(encoded.Length)} bytes, starting {FirstBytes(encoded)}); it is truncated.");
        }

        return new ImageDecodeException(name, ImageDecodeFailure.NotAnImage,
            $"no decoder recognised it (expected JPEG, PNG, WebP, BMP or GIF); it starts with {FirstBytes(encoded)}.");
    }

    /// <summary>A count with thousands separators, the same in every culture: 10,000,000,000.</summary>
    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>The first bytes in hex and as text, e.g. <c>48 65 6C 6C 6F ("Hello")</c>.</summary>
    internal static string FirstBytes(byte[] encoded)
    {
        ReadOnlySpan<byte> head = encoded.AsSpan(0, Math.Min(8, encoded.Length));
        string text = new([.. head.ToArray().Select(b => b is >= 0x20 and < 0x7F ? (char)b : '.')]);
        return $"{Convert.ToHexString(head).Chunk(2).Select(pair => new string(pair)).Aggregate((a, b) => a + " " + b)} (\"{text}\")";
    }
}
