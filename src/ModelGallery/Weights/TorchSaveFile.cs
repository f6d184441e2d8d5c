using System.IO.Compression;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads PyTorch <c>torch.save</c> state_dicts (zip archives with a pickle and one entry per storage), checking the
/// archive before anything large is allocated and refusing anything but tensors. The pickle is read by
/// <see cref="PickleReader"/>, which runs nothing and accepts only the globals of <see cref="StateDictPickle.Accepts"/>.
/// Files in the legacy format of PyTorch before 1.6 go to <see cref="LegacyTorchSaveFile"/>.
/// </summary>
internal static class TorchSaveFile
{
    /// <summary>Where a tar archive has its magic "ustar": PyTorch before 0.4 saved tar archives.</summary>
    private const int TarMagicOffset = 257;

    /// <summary>
    /// Checks the file and describes its tensors; each storage is read the first time a tensor on it is read, so
    /// <paramref name="stream"/> must stay open while the result is used.
    /// </summary>
    public static StoredStateDict Read(string path, Stream stream)
    {
        byte[] start = new byte[TarMagicOffset + 5];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read >= 2 && start[0] == 0x80 && start[1] == 2)
        {
            return LegacyTorchSaveFile.Read(path, stream);
        }

        if (read == start.Length && start.AsSpan(TarMagicOffset).SequenceEqual("ustar"u8))
        {
            throw new WeightsFileException(path, "it is a tar archive: torch.save's format of PyTorch before 0.4, which is not supported (load it in PyTorch and save it again).");
        }

        if (read < 4 || start[0] != (byte)'P' || start[1] != (byte)'K' || start[2] != 3 || start[3] != 4)
        {
            throw new WeightsFileException(path, $"a torch.save file is a zip archive starting with 'PK\\x03\\x04' or a legacy (before PyTorch 1.6) pickle starting with 8002, but this one starts with {Convert.ToHexString(start, 0, Math.Min(read, 4))} (not a checkpoint).");
        }

        stream.Position = 0;
        var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var result = new StoredStateDict(path, WeightsFormat.PyTorch);
        result.Own(zip);
        try
        {
            Describe(path, stream.Length, zip, result);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Reads the archive's data.pkl and describes each tensor; storages are read when a tensor on them is.</summary>
    private static void Describe(string path, long fileLength, ZipArchive zip, StoredStateDict result)
    {
        var pickleEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl")
            ?? throw new WeightsFileException(path, "the zip archive has no data.pkl, so it is not a torch.save checkpoint.");
        long total = zip.Entries.Sum(e => e.Length);
        if (total > fileLength * 64)
        {
            throw new WeightsFileException(path, $"its entries claim {total:N0} bytes uncompressed from a {fileLength:N0}-byte file (corrupt or hostile).");
        }

        string prefix = pickleEntry.FullName[..^"data.pkl".Length];
        var entries = zip.Entries.GroupBy(e => e.FullName, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var pickleBytes = new MemoryStream(checked((int)pickleEntry.Length));
        using (var data = pickleEntry.Open())
        {
            data.CopyTo(pickleBytes);
        }

        pickleBytes.Position = 0;
        var storages = new Dictionary<string, LegacyStorage>(StringComparer.Ordinal);
        var pickle = new PickleReader(pickleBytes, path, StateDictPickle.Accepts, id => CheckStorage(path, LegacyStorageView.Of(path, id, storages, long.MaxValue), prefix, entries));
        var tensors = StateDictPickle.Tensors(path, pickle.Read());
        result.Set([.. tensors.Select(t => new KeyValuePair<string, StoredTensor>(t.Name, new StoredTensor(t.View.DType, t.View.Shape, () =>
            t.Storage.Cut(path, t.Name, t.View, result.Storage(t.Storage.Root.Key, () => ReadStorage(entries[$"{prefix}data/{t.Storage.Root.Key}"], t.Storage.Root))))))]);
    }

    /// <summary>Checks that the archive holds the storage a persistent id names, with exactly the bytes it declares.</summary>
    private static LegacyStorageView CheckStorage(string path, LegacyStorageView storage, string prefix, Dictionary<string, ZipArchiveEntry> entries)
    {
        var root = storage.Root;
        string name = $"{prefix}data/{root.Key}";
        if (!entries.TryGetValue(name, out var entry))
        {
            throw new WeightsFileException(path, $"a tensor names storage '{root.Key}', but the archive has no entry '{name}'.");
        }

        if (entry.Length % root.ElementSize != 0 || entry.Length > int.MaxValue)
        {
            throw new WeightsFileException(path, $"storage '{name}' has {entry.Length:N0} bytes: not a whole number of {root.DType} elements, or above the 2 GB a storage may have here.");
        }

        if (entry.Length / root.ElementSize != root.Numel)
        {
            throw new WeightsFileException(path, $"storage '{name}' has {entry.Length / root.ElementSize:N0} {root.DType} elements, but its persistent id declared {root.Numel:N0}.");
        }

        return storage;
    }

    /// <summary>A whole storage of a torch.save archive as a one-dimensional tensor.</summary>
    private static Tensor ReadStorage(ZipArchiveEntry entry, LegacyStorage storage)
    {
        var data = empty(storage.Numel, storage.DType);
        using var input = entry.Open();
        input.ReadExactly(data.bytes);
        return data;
    }
}
