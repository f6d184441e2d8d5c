using System.Buffers.Binary;
using System.IO.Compression;

namespace ModelGallery.Data;

/// <summary>
/// Reads unsigned-byte IDX files (the MNIST family's format), gzipped or not, checking the magic number, the
/// rank, the dimensions and the length; a corrupt or truncated file gets an <see cref="InvalidDataException"/>
/// that names the file, what was expected and what was found.
/// </summary>
internal static class IdxFile
{
    private const long MaxElements = 1L << 31;

    public static (int[] Dimensions, byte[] Data) Read(string path, int rank)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            Span<byte> header = stackalloc byte[4];
            ReadExactly(stream, header, path, "the 4-byte magic number");
            if (header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] != rank)
            {
                throw new InvalidDataException($"'{path}' is not an IDX file of unsigned bytes with {rank} dimension(s): its magic number is {Convert.ToHexString(header)}, expected 000008{rank:X2}.");
            }

            var dimensions = new int[rank];
            Span<byte> size = stackalloc byte[4];
            for (int d = 0; d < rank; d++)
            {
                ReadExactly(stream, size, path, $"dimension {d + 1}");
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(size);
            }

            long elements = dimensions.Aggregate(1L, (a, b) => a * b);
            if (dimensions.Any(d => d <= 0) || elements > MaxElements)
            {
                throw new InvalidDataException($"'{path}' declares dimensions [{string.Join(", ", dimensions)}], which are not positive or too large.");
            }

            var data = new byte[elements];
            ReadExactly(stream, data, path, $"{elements:N0} data bytes for dimensions [{string.Join(", ", dimensions)}]");
            if (stream.ReadByte() != -1)
            {
                throw new InvalidDataException($"'{path}' has data beyond the {elements:N0} bytes its dimensions [{string.Join(", ", dimensions)}] declare.");
            }

            return (dimensions, data);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith('\'') )
        {
            throw new InvalidDataException($"'{path}' is not a valid gzip stream: {e.Message}", e);
        }
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer[total..]);
            if (read == 0)
            {
                throw new InvalidDataException($"'{path}' ends after {total:N0} of {buffer.Length:N0} bytes of {what} (truncated?).");
            }

            total += read;
        }
    }
}
