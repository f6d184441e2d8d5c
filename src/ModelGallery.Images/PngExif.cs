using System.Buffers.Binary;
using SkiaSharp;

namespace ModelGallery.Images;

/// <summary>
/// The orientation tag of a PNG's <c>eXIf</c> chunk (PNG 1.5 extension, written by cameras, phones and Pillow), which
/// Skia's PNG codec does not report (SkiaSharp 3.119: <see cref="SKCodec.EncodedOrigin"/> stays TopLeft). A missing
/// or malformed chunk means TopLeft, as a missing tag does for JPEG.
/// </summary>
internal static class PngExif
{
    private const ushort OrientationTag = 0x0112;

    /// <summary>The orientation the <c>eXIf</c> chunk names (before or after the image data); TopLeft without one.</summary>
    public static SKEncodedOrigin Origin(ReadOnlySpan<byte> png)
    {
        for (int at = 8; at + 12 <= png.Length;)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(png[at..]);
            ReadOnlySpan<byte> type = png.Slice(at + 4, 4);
            if (type.SequenceEqual("IEND"u8) || at + 12 + length > png.Length)
            {
                break;
            }

            if (type.SequenceEqual("eXIf"u8))
            {
                return Tiff(png.Slice(at + 8, (int)length));
            }

            at += 12 + (int)length;
        }

        return SKEncodedOrigin.TopLeft;
    }

    /// <summary>Tag 274 of IFD0 in a TIFF structure (byte order "II" or "MM", magic 42, then the IFD's 12-byte entries).</summary>
    private static SKEncodedOrigin Tiff(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8 || !(tiff.StartsWith("II"u8) || tiff.StartsWith("MM"u8)))
        {
            return SKEncodedOrigin.TopLeft;
        }

        bool little = tiff[0] == (byte)'I';
        uint ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (U16(tiff, 2, little) != 42 || ifd > tiff.Length - 2)
        {
            return SKEncodedOrigin.TopLeft;
        }

        int entries = U16(tiff, (int)ifd, little);
        for (int i = 0, at = (int)ifd + 2; i < entries && at + 12 <= tiff.Length; i++, at += 12)
        {
            // Type 3 is SHORT: the value sits in the entry's first two value bytes.
            if (U16(tiff, at, little) == OrientationTag && U16(tiff, at + 2, little) == 3)
            {
                ushort value = U16(tiff, at + 8, little);
                return value is >= 1 and <= 8 ? (SKEncodedOrigin)value : SKEncodedOrigin.TopLeft;
            }
        }

        return SKEncodedOrigin.TopLeft;
    }

    private static ushort U16(ReadOnlySpan<byte> tiff, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[at..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[at..]);
}
