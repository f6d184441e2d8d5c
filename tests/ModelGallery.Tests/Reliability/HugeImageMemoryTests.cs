using System.Buffers.Binary;
using System.IO.Compression;
using ModelGallery.Images;
using ModelGallery.Tests.Images;

namespace ModelGallery.Tests.Reliability;

/// <summary>
/// A small file with huge dimensions (issue 27 item 4: a 78 KB PNG of 9000 × 9000 pixels, under the 100-megapixel
/// limit): the decoder holds the 3-bytes-a-pixel tensor plus at most a 4-bytes-a-pixel native RGBA buffer (PNG, WebP,
/// GIF; a 3-bytes-a-pixel BGR image for a JPEG decoded by OpenCV; one RGBA row for BMP), freed before it returns; nothing image-sized on the managed heap, where it
/// would wait for a collection (or stay in a pool) and multiply with the loader's workers.
/// </summary>
public sealed class HugeImageMemoryTests : TempFolder
{
    internal const int Side = 9000;

    [Fact]
    public void A_9000_pixel_square_png_decodes_within_7_bytes_a_pixel_and_nothing_image_sized_on_the_managed_heap()
    {
        string path = Path.Combine(Folder, "huge.png");
        WriteHugePng(path);
        ImageFile.Read(Photos.Fixture("rgba.png")).Dispose(); // warm-up: JIT and Skia's first use allocate too
        long fileBytes = new FileInfo(path).Length;

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var image = ImageFile.Read(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        image.shape.Should().Equal([3, Side, Side]);
        image.ElementSize.Should().Be(1, "the tensor holds 3 bytes a pixel: 243 MB");
        SkiaDecoder.ScratchBytes.Should().Be(4L * Side * Side, "Skia decodes a PNG whole: one 324 MB RGBA buffer besides the tensor, 7 bytes a pixel in all");
        allocated.Should().BeLessThan(fileBytes + (1 << 20),
            "managed memory is the encoded file and small change, not the 324 MB RGBA image or the 243 MB planes");
        foreach (int x in new[] { 0, 1, 300, 4567, Side - 1 })
        {
            foreach (int y in new[] { 0, 4321, Side - 1 })
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                image.narrow(1, y, 1).narrow(2, x, 1).contiguous().data<byte>().ToArray().Should().Equal([(byte)(x % 256), (byte)(x / 256 % 256), (byte)77], "pixel ({0}, {1})", x, y);
            }
        }
    }

    [Fact]
    public void A_jpeg_holds_at_most_one_bgr_image_besides_the_tensor_and_skia_one_scanline()
    {
        byte[] encoded = File.ReadAllBytes(Photos.Fixture("exif-6.jpg"));

        using (var image = SkiaDecoder.Decode(encoded, "exif-6.jpg", ImageReadOptions.Default))
        {
            SkiaDecoder.ScratchBytes.Should().Be(OpenCvJpeg.Available ? 3 * 48 * 64 : 4 * 48,
                "OpenCV's BGR image of the stored 48 × 64 (W × H) pixels, freed before returning: 6 bytes a pixel in all");
            image.shape.Should().Equal([3, 48, 64], "turned upright");
        }

        using var skia = SkiaDecoder.Decode(encoded, "exif-6.jpg", ImageReadOptions.Default, simdJpeg: false);
        SkiaDecoder.ScratchBytes.Should().Be(4 * 48, "Skia: one RGBA row of the stored image, whatever its height: 3 bytes a pixel in all");
        skia.shape.Should().Equal([3, 48, 64], "turned upright");
    }

    /// <summary>
    /// A <see cref="Side"/>² RGB PNG whose every row is R = x mod 256, G = x / 256 mod 256, B = 77: the first row
    /// unfiltered, the others with PNG's "Up" filter (all zeros), so it compresses to a few hundred kilobytes. Written
    /// by hand (PNG 1.2: signature, IHDR, one IDAT, IEND) so that no 243 MB bitmap is needed to make it.
    /// </summary>
    internal static void WriteHugePng(string path)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            byte[] row = new byte[1 + (3 * Side)];
            for (int x = 0; x < Side; x++)
            {
                (row[1 + (3 * x)], row[2 + (3 * x)], row[3 + (3 * x)]) = ((byte)(x % 256), (byte)(x / 256 % 256), 77);
            }

            zlib.Write(row);
            byte[] up = new byte[row.Length];
            up[0] = 2; // filter type Up: each byte minus the one above, all zero here
            for (int y = 1; y < Side; y++)
            {
                zlib.Write(up);
            }
        }

        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, Side);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Side);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type RGB; compression, filter method and interlace stay 0
        Chunk(file, "IHDR", header);
        Chunk(file, "IDAT", idat.ToArray());
        Chunk(file, "IEND", []);
    }

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        byte[] typed = [.. type.Select(c => (byte)c), .. data];
        file.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        file.Write(word);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320, reflected), bit by bit.</summary>
    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
        }

        return ~crc;
    }
}
