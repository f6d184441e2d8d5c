using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads state_dicts in <c>torch.save</c>'s legacy format (PyTorch before 1.6, or <c>_use_new_zipfile_serialization=False</c>),
/// as torchvision's <c>vgg16-397923af.pth</c> and <c>googlenet-1378be20.pth</c> are: protocol-2 pickles of the magic
/// number, the protocol version 1001, a sys_info dict, the state_dict (each storage a persistent id
/// <c>('storage', type, key, location, numel, view)</c>) and the list of storage keys; then, for each key, an 8-byte
/// little-endian element count and the raw little-endian storage. The pickles are read by <see cref="PickleReader"/>,
/// which accepts only the globals of <see cref="StateDictPickle.Accepts"/> and runs nothing. Every size is checked
/// against the file before it is allocated, and a storage is read only when a tensor standing on it is.
/// </summary>
internal static class LegacyTorchSaveFile
{
    private const long ProtocolVersion = 1001;
    private static readonly BigInteger MagicNumber = BigInteger.Parse("01950a86a20f9469cfc6c", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads the pickles and checks every storage's element count, without reading any storage: the result reads each
    /// storage from <paramref name="stream"/> the first time a tensor on it is read, so the stream must stay open.
    /// </summary>
    public static StoredStateDict Read(string path, Stream stream)
    {
        stream.Position = 0;
        var storages = new Dictionary<string, LegacyStorage>(StringComparer.Ordinal);
        var pickle = new PickleReader(stream, path, StateDictPickle.Accepts, id => LegacyStorageView.Of(path, id, storages, stream.Length));
        object? magic = pickle.Read();
        if (magic is not BigInteger number || number != MagicNumber)
        {
            throw new WeightsFileException(path, $"its first pickle is {StateDictPickle.Show(magic)}, not torch.save's magic number 0x1950a86a20f9469cfc6c (corrupt, or a pickle that is not a checkpoint).");
        }

        object? version = pickle.Read();
        if (version is not long v || v != ProtocolVersion)
        {
            throw new WeightsFileException(path, $"its protocol version is {StateDictPickle.Show(version)}, but torch.save's legacy format has {ProtocolVersion}.");
        }

        var sysInfo = pickle.Read() as PickleDict;
        if (sysInfo?.FirstOrDefault(item => item.Key is "little_endian").Value is not true)
        {
            throw new WeightsFileException(path, "its sys_info does not say little_endian=True: big-endian files are not supported.");
        }

        var tensors = StateDictPickle.Tensors(path, pickle.Read());
        if (pickle.Read() is not List<object?> keys || keys.Any(key => key is not string))
        {
            throw new WeightsFileException(path, "the pickle after the state_dict is not the list of storage keys.");
        }

        var unlisted = storages.Keys.Except(keys.Cast<string>(), StringComparer.Ordinal).ToList();
        var unknown = keys.Cast<string>().Where(key => !storages.ContainsKey(key)).ToList();
        if (unlisted.Count > 0 || unknown.Count > 0 || keys.Distinct().Count() != keys.Count)
        {
            throw new WeightsFileException(path, $"its list of storage keys [{string.Join(", ", keys)}] does not match the storages the tensors use ([{string.Join(", ", storages.Keys)}]).");
        }

        // The storages follow in the order of the keys: each one's place is found (and its size checked) now; its data
        // is read only when a tensor that will be loaded stands on it.
        var places = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string key in keys.Cast<string>())
        {
            places.Add(key, SkipStorage(path, stream, key, storages[key]));
        }

        var result = new StoredStateDict(path, WeightsFormat.PyTorch);
        result.Set([.. tensors.Select(t => new KeyValuePair<string, StoredTensor>(t.Name, new StoredTensor(t.View.DType, t.View.Shape, () =>
            t.Storage.Cut(path, t.Name, t.View, result.Storage(t.Storage.Root.Key, () => ReadStorage(stream, places[t.Storage.Root.Key], t.Storage.Root))))))]);
        return result;
    }

    /// <summary>Checks a storage's element count against its persistent id and the rest of the file, and steps over its data; returns where the data starts.</summary>
    private static long SkipStorage(string path, Stream stream, string key, LegacyStorage declared)
    {
        long left = stream.Length - stream.Position;
        Span<byte> prefix = stackalloc byte[8];
        if (left < 8)
        {
            throw new WeightsFileException(path, $"the file ends before storage '{key}' (truncated?).");
        }

        stream.ReadExactly(prefix);
        long count = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        long size = declared.ElementSize;
        if (count < 0 || count > (left - 8) / size)
        {
            throw new WeightsFileException(path, $"storage '{key}' claims {count:N0} {declared.DType} elements, but only {left - 8:N0} bytes are left in the file (truncated or corrupt).");
        }

        if (count != declared.Numel)
        {
            throw new WeightsFileException(path, $"storage '{key}' has {count:N0} elements, but its persistent id declared {declared.Numel:N0}.");
        }

        if (count * size > int.MaxValue)
        {
            throw new WeightsFileException(path, $"storage '{key}' has {count * size:N0} bytes, above the 2 GB a storage may have here.");
        }

        long start = stream.Position;
        stream.Position = start + (count * size);
        return start;
    }

    /// <summary>A whole storage, whose place and size <see cref="SkipStorage"/> checked.</summary>
    private static Tensor ReadStorage(Stream stream, long start, LegacyStorage storage)
    {
        var data = empty(storage.Numel, storage.DType);
        stream.Position = start;
        stream.ReadExactly(data.bytes);
        return data;
    }
}
