using System.Collections;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads PyTorch <c>torch.save</c> state_dicts (zip archives with a pickle and one entry per storage), checking the
/// archive before anything large is allocated and refusing anything but tensors. Files in the legacy format of
/// PyTorch before 1.6 go to <see cref="LegacyTorchSaveFile"/>.
/// </summary>
internal static class TorchSaveFile
{
    /// <summary>Where a tar archive has its magic "ustar": PyTorch before 0.4 saved tar archives.</summary>
    private const int TarMagicOffset = 257;

    public static Dictionary<string, Tensor> Read(string path, Stream stream)
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
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true))
        {
            if (!zip.Entries.Any(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) || e.FullName == "data.pkl"))
            {
                throw new WeightsFileException(path, "the zip archive has no data.pkl, so it is not a torch.save checkpoint.");
            }

            long total = zip.Entries.Sum(e => e.Length);
            if (total > stream.Length * 64)
            {
                throw new WeightsFileException(path, $"its entries claim {total:N0} bytes uncompressed from a {stream.Length:N0}-byte file (corrupt or hostile).");
            }
        }

        // PyBridge parses the pickle (nothing in it is ever run) and describes each tensor without reading it; the
        // tensors are then cut out of their storages here (TensorView), so that views load exactly.
        stream.Position = 0;
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true);
        var views = new Dictionary<string, (int ArchiveIndex, TensorView View)>(StringComparer.Ordinal);
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || Unread(entry.Value) is not { } view)
                {
                    throw new WeightsFileException(path, $"entry '{entry.Key}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor: only plain state_dicts of tensors are read.");
                }

                views.Add(key, view);
            }
        }
        finally
        {
            foreach (var disposable in table.Values.OfType<IDisposable>())
            {
                disposable.Dispose();
            }
        }

        stream.Position = 0;
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var storages = new Dictionary<int, Tensor>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, (index, view)) in views)
            {
                if (!storages.TryGetValue(index, out var storage))
                {
                    storage = ReadStorage(path, archive, index, view.DType);
                    storages.Add(index, storage);
                }

                result.Add(key, view.CutFrom(path, key, storage));
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }

            throw;
        }
        finally
        {
            foreach (var storage in storages.Values)
            {
                storage.Dispose();
            }
        }

        return result;
    }

    /// <summary>A whole storage of a torch.save archive as a one-dimensional tensor.</summary>
    private static Tensor ReadStorage(string path, ZipArchive zip, int index, ScalarType dtype)
    {
        if (index < 0 || index >= zip.Entries.Count)
        {
            throw new WeightsFileException(path, $"a tensor names storage entry {index}, but the archive has {zip.Entries.Count} entries.");
        }

        var entry = zip.Entries[index];
        long elementSize = empty(0, dtype).ElementSize;
        if (entry.Length % elementSize != 0 || entry.Length > int.MaxValue)
        {
            throw new WeightsFileException(path, $"storage '{entry.FullName}' has {entry.Length:N0} bytes: not a whole number of {dtype} elements, or above the 2 GB a storage may have here.");
        }

        var storage = empty(entry.Length / elementSize, dtype);
        using var data = entry.Open();
        data.ReadExactly(storage.bytes);
        return storage;
    }

    /// <summary>
    /// PyBridge's description of an unread tensor (its <c>TensorConstructorArgs</c>, which PyBridge 1.4 does not make
    /// public) as the archive entry of its storage and the view; null for anything else.
    /// </summary>
    private static (int ArchiveIndex, TensorView View)? Unread(object? value)
    {
        var type = value?.GetType();
        if (type?.FullName != "TorchSharp.PyBridge.PyTorchUnpickler+TensorConstructorArgs")
        {
            return null;
        }

        object? Get(string name) => type.GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(value)
            ?? throw new InvalidOperationException($"PyBridge's tensor description has no {name}: this PyBridge version is not the one ModelGallery was built with.");
        return (Convert.ToInt32(Get("ArchiveIndex"), CultureInfo.InvariantCulture), new TensorView(
            (ScalarType)Get("DType")!,
            Convert.ToInt64(Get("StorageOffset"), CultureInfo.InvariantCulture),
            (long[])Get("Shape")!,
            (long[])Get("Stride")!));
    }
}
