using System.Buffers.Binary;
using OpenCvSharp;
using SkiaSharp;

namespace ModelGallery.Images;

/// <summary>
/// The fast path for JPEG pixels: OpenCV's libjpeg-turbo, built with SIMD (SkiaSharp's is built without it, and
/// decodes a 500 × 375 photo in about twice the time). Both use libjpeg-turbo's default islow IDCT and fancy chroma
/// upsampling, so the pixels equal Skia's and Pillow's byte for byte. Skia still reads the header (format, size
/// limit, EXIF orientation) before this runs, and decodes whatever this declines.
/// </summary>
/// <remarks>
/// Declined, so that Skia decodes (or names the failure) as before: a file that does not end with the EOI marker
/// (truncated, or with bytes after the image: OpenCV would fill a truncated image with grey and report no error);
/// frames other than 8-bit baseline, extended or progressive with 1 or 3 components (CMYK, which OpenCV converts
/// differently from Pillow, 12-bit, arithmetic coding, lossless); anything OpenCV fails to decode; and every JPEG
/// where OpenCV's native library does not load (platforms other than Linux x64, whose runtime package is not carried,
/// or a Linux without GTK 3's shared libraries, which that library links). Memory: OpenCV decodes the whole image
/// into one native 3-bytes-a-pixel BGR buffer, freed before returning: 6 bytes a pixel with the tensor. Damaged but
/// complete entropy-coded data decodes (as Skia's did), and OpenCV's libjpeg prints its warning to standard error.
/// </remarks>
internal static class OpenCvJpeg
{
    private static readonly Lazy<bool> Loaded = new(Load);

    /// <summary>Whether OpenCV's native library loaded on this machine; false sends every JPEG to Skia.</summary>
    public static bool Available => Loaded.Value;

    /// <summary>
    /// Decodes <paramref name="encoded"/> into <paramref name="chw"/> (3 × H × W, upright as <paramref name="layout"/>
    /// says) when this path takes the file; false, with <paramref name="chw"/> untouched, when Skia must decode it.
    /// </summary>
    public static unsafe bool TryDecode(byte[] encoded, PixelLayout layout, Span<byte> chw)
    {
        if (layout.Composite || !Eligible(encoded) || !Available)
        {
            return false;
        }

        // IgnoreOrientation: the orientation is Skia's reading of the EXIF tag, applied by the layout, or not at all.
        using var bgr = Cv2.ImDecode(encoded, ImreadModes.Color | ImreadModes.IgnoreOrientation);
        if (bgr.Empty() || bgr.Type() != MatType.CV_8UC3 || bgr.Cols != layout.Width || bgr.Rows != layout.Height || !bgr.IsContinuous())
        {
            return false;
        }

        SkiaDecoder.ScratchBytes = 3L * layout.Width * layout.Height;
        byte* pixels = (byte*)bgr.Data;
        if (layout.Origin == SKEncodedOrigin.TopLeft)
        {
            // BGR into the R, G and B planes in one SIMD pass (OpenCV's mixChannels, channels numbered across dst).
            int plane = layout.Width * layout.Height;
            fixed (byte* planes = chw)
            {
                using var red = Mat.FromPixelData(layout.Height, layout.Width, MatType.CV_8UC1, (IntPtr)planes);
                using var green = Mat.FromPixelData(layout.Height, layout.Width, MatType.CV_8UC1, (IntPtr)(planes + plane));
                using var blue = Mat.FromPixelData(layout.Height, layout.Width, MatType.CV_8UC1, (IntPtr)(planes + (2 * plane)));
                Cv2.MixChannels([bgr], [red, green, blue], [2, 0, 1, 1, 0, 2]);
            }

            return true;
        }

        int rowBytes = 3 * layout.Width;
        for (int y = 0; y < layout.Height; y++)
        {
            layout.WriteBgrRow(new ReadOnlySpan<byte>(pixels + ((long)y * rowBytes), rowBytes), y, chw);
        }

        return true;
    }

    /// <summary>
    /// Whether the bytes are a whole JPEG that this path decodes as Pillow does: SOI first, EOI last, and a frame
    /// header (SOF0, SOF1 or SOF2: Huffman-coded baseline, extended or progressive) of 8-bit samples in 1 or 3
    /// components before the first scan. Markers are walked by their lengths (ITU T.81, B.1.1).
    /// </summary>
    internal static bool Eligible(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 || jpeg[^2] != 0xFF || jpeg[^1] != 0xD9)
        {
            return false;
        }

        for (int at = 2; at + 4 <= jpeg.Length;)
        {
            if (jpeg[at] != 0xFF)
            {
                return false;
            }

            byte marker = jpeg[at + 1];
            if (marker == 0xFF)
            {
                at++; // a fill byte before a marker
                continue;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2; // TEM and RSTn stand alone, without a length
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            if (marker is 0xDA or 0xD9 || length < 2 || at + 2 + length > jpeg.Length)
            {
                return false; // a scan or the end before any frame header, or a segment running past the file
            }

            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                // SOFn: length, precision, height, width, component count.
                return marker is 0xC0 or 0xC1 or 0xC2 && length >= 8 && jpeg[at + 4] == 8 && jpeg[at + 9] is 1 or 3;
            }

            at += 2 + length;
        }

        return false;
    }

    private static bool Load()
    {
        try
        {
            return !string.IsNullOrEmpty(Cv2.GetVersionString());
        }
#pragma warning disable CA1031 // Any failure to load the native library means Skia decodes every JPEG, as before.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }
}
