using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads safetensors files: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
/// byte range of the data that follows, then the data. The header is checked entry by entry before anything is read:
/// every range must match its dtype and shape, lie inside the data, and overlap no other range (the format gives each
/// tensor its own bytes, so a file whose ranges overlap is corrupt or hostile: read naively, a few bytes of data could
/// stand for any number of tensors). Each tensor is read from the stream when it is asked for.
/// </summary>
internal static class SafeTensorsFile
{
    /// <summary>A header beyond this is refused rather than allocated (real headers are kilobytes).</summary>
    internal const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, (ScalarType Type, int Size)> Dtypes = new(StringComparer.Ordinal)
    {
        ["F64"] = (ScalarType.Float64, 8), ["F32"] = (ScalarType.Float32, 4), ["F16"] = (ScalarType.Float16, 2), ["BF16"] = (ScalarType.BFloat16, 2),
        ["I64"] = (ScalarType.Int64, 8), ["I32"] = (ScalarType.Int32, 4), ["I16"] = (ScalarType.Int16, 2), ["I8"] = (ScalarType.Int8, 1),
        ["U8"] = (ScalarType.Byte, 1), ["BOOL"] = (ScalarType.Bool, 1),
    };

    /// <summary>Checks the header and describes the tensors; <paramref name="stream"/> must stay open while they are read.</summary>
    public static StoredStateDict Read(string path, Stream stream)
    {
        long length = stream.Length;
        stream.Position = 0;
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8 || stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) != 8)
        {
            throw new WeightsFileException(path, $"a safetensors file starts with an 8-byte header length, but the file has {length} bytes (truncated?).");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)MaxHeaderBytes)
        {
            throw new WeightsFileException(path, $"its header claims {headerLength:N0} bytes, more than the {MaxHeaderBytes:N0} accepted (corrupt or hostile file).");
        }

        if ((long)headerLength > length - 8)
        {
            throw new WeightsFileException(path, $"its header claims {headerLength:N0} bytes but only {length - 8:N0} follow (truncated?).");
        }

        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        var entries = Entries(path, header, length - dataStart);
        var byStart = entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ToList();
        for (int i = 1; i < byStart.Count; i++)
        {
            if (byStart[i].Begin < byStart[i - 1].End)
            {
                throw new WeightsFileException(path, $"the data of tensor '{byStart[i].Name}' (bytes {byStart[i].Begin:N0} to {byStart[i].End:N0}) overlaps that of '{byStart[i - 1].Name}' (bytes {byStart[i - 1].Begin:N0} to {byStart[i - 1].End:N0}); each tensor of a safetensors file has its own bytes (corrupt or hostile file).");
            }
        }

        var result = new StoredStateDict(path, WeightsFormat.SafeTensors);
        result.Set([.. entries.Select(e => new KeyValuePair<string, StoredTensor>(e.Name, new StoredTensor(e.Type, e.Shape, () =>
        {
            var tensor = empty(e.Shape, e.Type);
            if (e.End > e.Begin)
            {
                stream.Position = dataStart + e.Begin;
                stream.ReadExactly(tensor.bytes);
            }

            return tensor;
        })))]);
        return result;
    }

    private static List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)> Entries(string path, byte[] header, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new WeightsFileException(path, $"its header is not JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new WeightsFileException(path, "its header is not a JSON object.");
            }

            var entries = new List<(string, ScalarType, long[], long, long)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in document.RootElement.EnumerateObject())
            {
                string name = entry.Name;
                if (!seen.Add(name))
                {
                    throw new WeightsFileException(path, $"its header names '{name}' twice; which of the two tensors is meant is undefined.");
                }

                if (name == "__metadata__")
                {
                    continue;
                }

                if (!entry.Value.TryGetProperty("dtype", out var dtype) || dtype.GetString() is not { } dtypeName || !Dtypes.TryGetValue(dtypeName, out var kind))
                {
                    throw new WeightsFileException(path, $"tensor '{name}' has an unsupported or missing dtype ({(entry.Value.TryGetProperty("dtype", out var d) ? d.ToString() : "none")}); supported: {string.Join(", ", Dtypes.Keys)}.");
                }

                long[] shape = entry.Value.TryGetProperty("shape", out var s) && s.ValueKind == JsonValueKind.Array
                    ? [.. s.EnumerateArray().Select(v => v.TryGetInt64(out long n) && n >= 0 ? n : -1)]
                    : [-1];
                long[] offsets = entry.Value.TryGetProperty("data_offsets", out var o) && o.ValueKind == JsonValueKind.Array
                    ? [.. o.EnumerateArray().Select(v => v.TryGetInt64(out long n) ? n : -1)]
                    : [];
                if (shape.Any(n => n < 0) || offsets is not [var begin, var end] || begin < 0 || end < begin || end > dataLength)
                {
                    throw new WeightsFileException(path, $"tensor '{name}' has a malformed shape or data_offsets, or data beyond the file's {dataLength:N0} data bytes.");
                }

                long bytes = Bytes(shape, kind.Size);
                if (bytes != end - begin)
                {
                    throw new WeightsFileException(path, $"tensor '{name}' ({dtypeName} [{string.Join(", ", shape)}]) needs {(bytes < 0 ? "more than 2^63" : $"{bytes:N0}")} bytes but its data_offsets span {end - begin:N0}.");
                }

                entries.Add((name, kind.Type, shape, begin, end));
            }

            return entries;
        }
    }

    /// <summary>The bytes a shape needs, or -1 when the count overflows.</summary>
    private static long Bytes(long[] shape, int size)
    {
        try
        {
            long bytes = size;
            foreach (long n in shape)
            {
                bytes = checked(bytes * n);
            }

            return bytes;
        }
        catch (OverflowException)
        {
            return -1;
        }
    }
}
