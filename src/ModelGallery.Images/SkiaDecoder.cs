using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using SkiaSharp;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// Decodes encoded bytes straight into a 3 × H × W tensor of bytes: Skia's codecs read every header (format, size
/// limit, EXIF orientation) and decode the pixels, except a well-formed JPEG's, which <see cref="OpenCvJpeg"/>
/// decodes with SIMD where its native library loads. Every native object is disposed before returning.
/// </summary>
/// <remarks>
/// Memory per image: the tensor (3 bytes a pixel) plus, for a JPEG decoded by OpenCV, its 3-bytes-a-pixel native BGR
/// image; one RGBA scanline for what Skia decodes row by row (BMP, and JPEGs OpenCV declines); PNG, WebP and GIF,
/// whose Skia codecs decode only whole images (SkiaSharp 3.119 reports <see cref="SKCodecResult.Unimplemented"/> for
/// their scanlines), add a 4-bytes-a-pixel native RGBA buffer. Every buffer besides the tensor is freed before
/// returning: at most 7 bytes a pixel, then, and 3 once the method has returned.
/// </remarks>
internal static class SkiaDecoder
{
    /// <summary>The bytes the last decode on this thread held besides the tensor: one RGBA row, the whole RGBA image, or OpenCV's whole BGR image (instrumentation for the memory-bound tests).</summary>
    [ThreadStatic]
    internal static long ScratchBytes;

    private static readonly SKEncodedImageFormat[] Supported =
        [SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp, SKEncodedImageFormat.Bmp, SKEncodedImageFormat.Gif];

    /// <summary>Width × height as the header announces them; 0 when no codec recognises the bytes (decoding will say why).</summary>
    public static long Pixels(byte[] encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        return codec is null ? 0 : (long)codec.Info.Width * codec.Info.Height;
    }

    /// <summary>Decodes the first frame; <paramref name="name"/> goes into every error.</summary>
    /// <param name="encoded">The file's bytes.</param>
    /// <param name="name">What errors call the image.</param>
    /// <param name="options">Background, pixel limit and orientation.</param>
    /// <param name="simdJpeg">Whether a JPEG's pixels may come from <see cref="OpenCvJpeg"/> (the same pixels, faster); false decodes every format with Skia.</param>
    /// <returns>3 × H × W bytes (RGB), upright when <see cref="ImageReadOptions.ApplyExifOrientation"/>; the caller owns it.</returns>
    /// <exception cref="ImageDecodeException">Empty, not an image, unsupported, too large, truncated or corrupt.</exception>
    public static Tensor Decode(byte[] encoded, string name, ImageReadOptions options, bool simdJpeg = true)
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
        long limit = Math.Min(options.MaxPixels, Array.MaxLength / 4);
        if (pixels > limit)
        {
            throw new ImageDecodeException(name, ImageDecodeFailure.TooLarge,
                $"its header announces {stored.Width} × {stored.Height} = {Count(pixels)} pixels, more than the limit of {Count(limit)} pixels "
                + (limit < options.MaxPixels ? "(the most one managed array of RGBA bytes holds)." : "(ImageReadOptions.MaxPixels)."));
        }

        var layout = new PixelLayout(stored.Width, stored.Height,
            options.ApplyExifOrientation ? Origin(codec, encoded) : SKEncodedOrigin.TopLeft,
            Composite: stored.AlphaType != SKAlphaType.Opaque && !options.DropAlpha, options.Background);
        // Straight alpha and no colour space: Skia converts neither colours (ICC profiles and gAMA are ignored, as
        // Pillow and torchvision ignore them) nor premultiplies, so compositing sees the stored colour and alpha.
        var info = new SKImageInfo(stored.Width, stored.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var chw = empty([3, layout.UprightHeight, layout.UprightWidth], ScalarType.Byte);
        try
        {
            if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg && simdJpeg && OpenCvJpeg.TryDecode(encoded, layout, chw.bytes))
            {
                return chw;
            }

            if (!Scanlines(codec, info, layout, chw.bytes))
            {
                Whole(codec, info, layout, chw.bytes, encoded, name);
            }

            return chw;
        }
        catch
        {
            chw.Dispose();
            throw;
        }
    }

    /// <summary>Decodes row by row into <paramref name="chw"/>; false when the codec cannot (WebP, GIF) or a row fails, so that <see cref="Whole"/> decodes (or classifies the failure).</summary>
    private static bool Scanlines(SKCodec codec, SKImageInfo info, PixelLayout layout, Span<byte> chw)
    {
        if (codec.StartScanlineDecode(info) != SKCodecResult.Success)
        {
            return false;
        }

        byte[] row = ArrayPool<byte>.Shared.Rent(info.RowBytes);
        ScratchBytes = info.RowBytes;
        var handle = GCHandle.Alloc(row, GCHandleType.Pinned);
        try
        {
            for (int k = 0; k < info.Height; k++)
            {
                int y = codec.NextScanline; // bottom-up BMPs come last row first
                if (codec.GetScanlines(handle.AddrOfPinnedObject(), 1, info.RowBytes) != 1)
                {
                    return false;
                }

                layout.WriteRow(row.AsSpan(0, info.RowBytes), y, chw);
            }

            return true;
        }
        finally
        {
            handle.Free();
            ArrayPool<byte>.Shared.Return(row);
        }
    }

    /// <summary>Decodes the whole image into one RGBA buffer, then lays it out; every decoding failure becomes its <see cref="ImageDecodeException"/> here.</summary>
    private static unsafe void Whole(SKCodec codec, SKImageInfo info, PixelLayout layout, Span<byte> chw, byte[] encoded, string name)
    {
        int bytes = checked(info.Width * info.Height * 4);
        // Native, freed before returning: a huge image's buffer neither waits for a garbage collection of the large
        // object heap nor stays in a pool, so that several loader workers never hold more than their own decodes.
        byte* rgba = (byte*)NativeMemory.Alloc((nuint)bytes);
        ScratchBytes = bytes;
        try
        {
            SKCodecResult decoded = codec.GetPixels(info, (IntPtr)rgba, new SKCodecOptions(frameIndex: 0));
            if (decoded != SKCodecResult.Success)
            {
                throw Failed(codec, decoded, encoded, name);
            }

            for (int y = 0; y < info.Height; y++)
            {
                layout.WriteRow(new ReadOnlySpan<byte>(rgba + ((long)y * info.RowBytes), info.RowBytes), y, chw);
            }
        }
        finally
        {
            NativeMemory.Free(rgba);
        }
    }

    private static ImageDecodeException Failed(SKCodec codec, SKCodecResult decoded, byte[] encoded, string name)
    {
        SKImageInfo stored = codec.Info;
        return decoded switch
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
