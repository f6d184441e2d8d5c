using ModelGallery.IO;
using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Writes a state_dict as <c>torch.save</c> does (PyTorch's zip format, read by <c>torch.load</c> since 1.6): a zip
/// archive of <c>archive/data.pkl</c> (a protocol-2 pickle of an OrderedDict whose values are
/// <c>torch._utils._rebuild_tensor_v2</c> calls on persistent storage ids), one entry <c>archive/data/{key}</c> per
/// storage and <c>archive/version</c>. As PyTorch's writer (caffe2's <c>PyTorchStreamWriter</c>) does, entries are
/// stored, never compressed, and each record's data starts at a multiple of 64 bytes, padded by an extra field with
/// the id <c>FB</c> in its local header; compressing weights gains little and cost 10 to 20 times torch.save's time.
/// </summary>
internal static class TorchSaveWriter
{
    /// <summary>The data of every record starts at a multiple of this (PyTorch's <c>kFieldAlignment</c>).</summary>
    internal const int Alignment = 64;

    private const string Archive = "archive";
    private const int LocalHeaderSize = 30;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="stateDict"/> (CPU, contiguous tensors) to <paramref name="stream"/> from its current position.</summary>
    /// <exception cref="IOException">The archive would need zip64 (above 4 GB or 65,535 entries), which this writer does not write.</exception>
    /// <exception cref="ArgumentException">A tensor is not a contiguous CPU tensor of a dtype torch.save has a storage type for.</exception>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var storageNames = LegacyStorage.Types.ToDictionary(t => t.Value.DType, t => t.Key);
        var tensors = stateDict.ToList();
        foreach (var (key, tensor) in tensors)
        {
            if (tensor.device_type != TorchSharp.DeviceType.CPU || !tensor.is_contiguous() || !storageNames.ContainsKey(tensor.dtype))
            {
                throw new ArgumentException($"'{key}' is a {tensor.dtype} tensor on {tensor.device}; only contiguous CPU tensors of {string.Join(", ", storageNames.Keys)} are saved.", nameof(stateDict));
            }
        }

        var records = new List<(string Name, uint Crc, long Size, long Offset)>();
        long position = 0;
        void Record(string name, ReadOnlySpan<byte> data)
        {
            uint crc = Crc32.Of(data);
            records.Add((name, crc, data.Length, position));
            position += WriteLocal(stream, name, data, crc, position);
        }

        Record($"{Archive}/data.pkl", Pickle(tensors, storageNames));
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i].Value;
            Record($"{Archive}/data/{i}", tensor.NumberOfElements == 0 ? [] : tensor.bytes);
        }

        Record($"{Archive}/version", "3\n"u8);
        WriteDirectory(stream, records, position);
    }

    /// <summary>The pickle torch.save writes for a state_dict, without memo entries (which a reader does not need).</summary>
    private static byte[] Pickle(List<KeyValuePair<string, Tensor>> tensors, Dictionary<ScalarType, string> storageNames)
    {
        using var pickle = new MemoryStream();
        pickle.Write([0x80, 2]); // PROTO 2
        Global(pickle, "collections", "OrderedDict");
        pickle.Write(")R("u8); // EMPTY_TUPLE, REDUCE: OrderedDict(); MARK
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i].Value;
            Text(pickle, tensors[i].Key);
            Global(pickle, "torch._utils", "_rebuild_tensor_v2");
            pickle.Write("(("u8); // MARK (arguments), MARK (persistent id)
            Text(pickle, "storage");
            Global(pickle, "torch", storageNames[tensor.dtype]);
            Text(pickle, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Text(pickle, "cpu");
            Integer(pickle, tensor.NumberOfElements);
            pickle.Write("tQ"u8); // TUPLE, BINPERSID
            Integer(pickle, 0); // storage offset
            Tuple(pickle, tensor.shape);
            Tuple(pickle, tensor.stride());
            pickle.WriteByte(0x89); // NEWFALSE: requires_grad
            Global(pickle, "collections", "OrderedDict");
            pickle.Write(")RtR"u8); // OrderedDict() for the backward hooks; TUPLE; REDUCE
        }

        pickle.Write("u."u8); // SETITEMS, STOP
        return pickle.ToArray();
    }

    private static void Global(Stream pickle, string module, string name)
    {
        pickle.WriteByte((byte)'c');
        pickle.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Text(Stream pickle, string text)
    {
        byte[] bytes = Utf8.GetBytes(text);
        Span<byte> header = stackalloc byte[5];
        header[0] = (byte)'X'; // BINUNICODE
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], bytes.Length);
        pickle.Write(header);
        pickle.Write(bytes);
    }

    private static void Integer(Stream pickle, long value)
    {
        Span<byte> bytes = stackalloc byte[10];
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            bytes[0] = (byte)'J'; // BININT
            BinaryPrimitives.WriteInt32LittleEndian(bytes[1..], (int)value);
            pickle.Write(bytes[..5]);
        }
        else
        {
            bytes[0] = 0x8a; // LONG1, 8 bytes two's complement
            bytes[1] = 8;
            BinaryPrimitives.WriteInt64LittleEndian(bytes[2..], value);
            pickle.Write(bytes);
        }
    }

    private static void Tuple(Stream pickle, long[] values)
    {
        pickle.WriteByte((byte)'(');
        foreach (long value in values)
        {
            Integer(pickle, value);
        }

        pickle.WriteByte((byte)'t');
    }

    /// <summary>A local header, its alignment padding and the data; returns the bytes written.</summary>
    private static long WriteLocal(Stream stream, string name, ReadOnlySpan<byte> data, uint crc, long offset)
    {
        byte[] nameBytes = Utf8.GetBytes(name);
        long start = offset + LocalHeaderSize + nameBytes.Length + 4; // where the data would start with an empty FB field
        int padding = (int)((Alignment - (start % Alignment)) % Alignment);
        CheckZip32(offset + LocalHeaderSize + nameBytes.Length + 4 + padding + data.Length);
        byte[] header = new byte[LocalHeaderSize + nameBytes.Length + 4 + padding];
        var span = header.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, 0x04034b50);
        Common(span[4..], nameBytes.Length, 4 + padding, crc, data.Length);
        nameBytes.CopyTo(span[LocalHeaderSize..]);
        var extra = span[(LocalHeaderSize + nameBytes.Length)..];
        extra[0] = (byte)'F';
        extra[1] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], (ushort)padding);
        extra[4..].Fill((byte)'Z');
        stream.Write(header);
        stream.Write(data);
        return header.Length + data.Length;
    }

    /// <summary>The fields a local header and a central directory header share, from "version needed" to "extra length".</summary>
    private static void Common(Span<byte> span, int nameLength, int extraLength, uint crc, long size)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, 10); // version needed: 1.0, stored
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], 0x0800); // flags: UTF-8 names
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], 0); // method: stored
        BinaryPrimitives.WriteUInt32LittleEndian(span[6..], 0); // time and date, as PyTorch writes them
        BinaryPrimitives.WriteUInt32LittleEndian(span[10..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(span[14..], (uint)size); // compressed size
        BinaryPrimitives.WriteUInt32LittleEndian(span[18..], (uint)size); // uncompressed size
        BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)nameLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span[24..], (ushort)extraLength);
    }

    private static void WriteDirectory(Stream stream, List<(string Name, uint Crc, long Size, long Offset)> records, long directoryOffset)
    {
        using var directory = new MemoryStream();
        foreach (var (name, crc, size, offset) in records)
        {
            byte[] nameBytes = Utf8.GetBytes(name);
            byte[] header = new byte[46];
            BinaryPrimitives.WriteUInt32LittleEndian(header, 0x02014b50);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20); // version made by: 2.0
            Common(header.AsSpan(6), nameBytes.Length, 0, crc, size);
            // comment length, disk number, internal and external attributes: zero
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), (uint)offset);
            directory.Write(header);
            directory.Write(nameBytes);
        }

        CheckZip32(directoryOffset + directory.Length);
        if (records.Count > ushort.MaxValue)
        {
            throw new IOException($"The weights need {records.Count:N0} zip entries, above the 65,535 of a zip archive without zip64 extensions, which SaveWeights does not write; save them as .safetensors.");
        }

        byte[] end = new byte[22];
        BinaryPrimitives.WriteUInt32LittleEndian(end, 0x06054b50);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)records.Count);
        BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)records.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)directory.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)directoryOffset);
        directory.WriteTo(stream);
        stream.Write(end);
    }

    private static void CheckZip32(long bytes)
    {
        if (bytes > uint.MaxValue)
        {
            throw new IOException($"The weights need {bytes:N0} bytes, above the 4 GB of a zip archive without zip64 extensions, which SaveWeights does not write; save them as .safetensors.");
        }
    }
}
