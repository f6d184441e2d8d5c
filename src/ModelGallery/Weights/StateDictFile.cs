using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Reflection;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads and writes state_dicts with TorchSharp.PyBridge, after checking the file's structure itself so that a
/// broken or hostile file fails with a <see cref="WeightsFileException"/> before anything large is allocated.
/// </summary>
internal static class StateDictFile
{
    /// <summary>A safetensors header beyond this is refused rather than allocated (real headers are kilobytes).</summary>
    internal const long MaxHeaderBytes = 100L * 1024 * 1024;

    private static readonly Dictionary<string, int> SafeTensorsDtypeSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    public static WeightsFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => WeightsFormat.SafeTensors,
        ".pt" or ".pth" or ".bin" => WeightsFormat.PyTorch,
        var other => throw new ArgumentException(
            $"Cannot tell the weights format of '{path}' from its extension '{other}': expected .safetensors, .pt, .pth or .bin, or pass the format explicitly.", nameof(path)),
    };

    /// <summary>Reads every tensor of the file; the caller owns (and disposes) them.</summary>
    public static Dictionary<string, Tensor> Read(string path, WeightsFormat format)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, path, format);
    }

    /// <summary>Reads every tensor of a seekable stream; <paramref name="path"/> names it in errors.</summary>
    public static Dictionary<string, Tensor> Read(Stream stream, string path, WeightsFormat format)
    {
        try
        {
            return format == WeightsFormat.SafeTensors ? ReadSafeTensors(path, stream) : TorchSaveFile.Read(path, stream);
        }
        catch (Exception e) when (e is not WeightsFileException and not OutOfMemoryException)
        {
            throw new WeightsFileException(path, $"the {format} reader failed: {e.Message}", e);
        }
    }

    public static void Write(Stream stream, Dictionary<string, Tensor> stateDict, WeightsFormat format)
    {
        if (format == WeightsFormat.SafeTensors)
        {
            Safetensors.SaveStateDict(stream, stateDict, leaveOpen: true);
        }
        else
        {
            PyTorchPickler.PickleStateDict(stream, stateDict, leaveOpen: true);
        }
    }

    private static Dictionary<string, Tensor> ReadSafeTensors(string path, Stream stream)
    {
        long length = stream.Length;
        Span<byte> prefix = stackalloc byte[8];
        if (length < 8 || stream.Read(prefix) != 8)
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
        long dataLength = length - 8 - (long)headerLength;
        CheckSafeTensorsHeader(path, header, dataLength);
        stream.Position = 0;
        return Safetensors.LoadStateDict(stream, leaveOpen: true);
    }

    private static void CheckSafeTensorsHeader(string path, byte[] header, long dataLength)
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

                if (!entry.Value.TryGetProperty("dtype", out var dtype) || dtype.GetString() is not { } dtypeName || !SafeTensorsDtypeSizes.TryGetValue(dtypeName, out int size))
                {
                    throw new WeightsFileException(path, $"tensor '{name}' has an unsupported or missing dtype ({(entry.Value.TryGetProperty("dtype", out var d) ? d.ToString() : "none")}); supported: {string.Join(", ", SafeTensorsDtypeSizes.Keys)}.");
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

                long bytes = shape.Aggregate(1L, (a, b) => a * b) * size;
                if (bytes != end - begin)
                {
                    throw new WeightsFileException(path, $"tensor '{name}' ({dtypeName} [{string.Join(", ", shape)}]) needs {bytes:N0} bytes but its data_offsets span {end - begin:N0}.");
                }
            }
        }
    }
}
