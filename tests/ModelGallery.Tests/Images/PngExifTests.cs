using System.Buffers.Binary;
using ModelGallery.Images;
using SkiaSharp;

namespace ModelGallery.Tests.Images;

/// <summary>
/// PNG's eXIf chunk, which Skia does not read: exif-6.png (Pillow's, little-endian TIFF) decodes upright in
/// DecodingTests; here hand-made chunks cover big-endian TIFF, a chunk after the image data and malformed chunks.
/// </summary>
public sealed class PngExifTests
{
    [Theory]
    [InlineData(true, 6)]
    [InlineData(false, 6)]
    [InlineData(true, 8)]
    [InlineData(false, 3)]
    public void The_orientation_tag_is_read_in_either_byte_order(bool littleEndian, int orientation)
    {
        byte[] png = Png(Chunk("IHDR", new byte[13]), Chunk("IDAT", [1, 2, 3]), Chunk("eXIf", Tiff(littleEndian, orientation)), Chunk("IEND", []));

        PngExif.Origin(png).Should().Be((SKEncodedOrigin)orientation);
    }

    [Fact]
    public void Skia_itself_reports_no_orientation_for_a_png_with_an_exif_chunk()
    {
        using var codec = SKCodec.Create(Photos.Fixture("exif-6.png"));

        codec.EncodedOrigin.Should().Be(SKEncodedOrigin.TopLeft, "SkiaSharp 3.119 skips eXIf; if an upgrade reads it, PngExif can go");
        PngExif.Origin(File.ReadAllBytes(Photos.Fixture("exif-6.png"))).Should().Be(SKEncodedOrigin.RightTop);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "no eXIf chunk", Png(Chunk("IHDR", new byte[13]), Chunk("IEND", [])) },
        { "a chunk length past the end", [.. Png(Chunk("IHDR", new byte[13])), 0, 0, 1, 0, .. "eXIf"u8, 1, 2, 3, 4] },
        { "not TIFF", Png(Chunk("eXIf", "Exif\0\0II*\0"u8.ToArray())) },
        { "TIFF magic 43", Png(Chunk("eXIf", [.. Tiff(true, 6).Take(2), 43, .. Tiff(true, 6).Skip(3)])) },
        { "orientation 9", Png(Chunk("eXIf", Tiff(true, 9))) },
        { "IFD offset past the end", Png(Chunk("eXIf", [(byte)'I', (byte)'I', 42, 0, 255, 255, 0, 0])) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_missing_or_malformed_chunk_means_as_stored(string what, byte[] png)
    {
        PngExif.Origin(png).Should().Be(SKEncodedOrigin.TopLeft, what);
    }

    private static byte[] Png(params byte[][] chunks) => [0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, .. chunks.SelectMany(c => c)];

    /// <summary>A chunk with a zero CRC (PngExif does not check CRCs; Skia does, when it decodes).</summary>
    private static byte[] Chunk(string type, byte[] data)
    {
        byte[] length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        return [.. length, .. System.Text.Encoding.ASCII.GetBytes(type), .. data, 0, 0, 0, 0];
    }

    /// <summary>TIFF with IFD0 at offset 8 holding an unrelated tag (ImageWidth) and then the orientation (SHORT).</summary>
    private static byte[] Tiff(bool littleEndian, int orientation)
    {
        byte[] tiff = new byte[8 + 2 + (2 * 12) + 4];
        Action<int, ushort> u16 = littleEndian ? (at, v) => BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), v) : (at, v) => BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), v);
        Action<int, uint> u32 = littleEndian ? (at, v) => BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), v) : (at, v) => BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), v);
        tiff[0] = tiff[1] = (byte)(littleEndian ? 'I' : 'M');
        u16(2, 42);
        u32(4, 8);
        u16(8, 2);
        foreach ((int at, ushort tag, ushort value) in new[] { (10, (ushort)0x0100, (ushort)64), (22, (ushort)0x0112, (ushort)orientation) })
        {
            u16(at, tag);
            u16(at + 2, 3);
            u32(at + 4, 1);
            u16(at + 8, value);
        }

        return tiff;
    }
}
