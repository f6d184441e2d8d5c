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
/// archive before anything large is allocated and refusing anything but tensors.
/// </summary>
internal static class TorchSaveFile
{
    public static Dictionary<string, Tensor> Read(string path, Stream stream)
    {
        Span<byte> magic = stackalloc byte[4];
        if (stream.Length < 4 || stream.Read(magic) != 4 || magic[0] != (byte)'P' || magic[1] != (byte)'K' || magic[2] != 3 || magic[3] != 4)
        {
            throw new WeightsFileException(path, $"a torch.save file is a zip archive starting with 'PK\\x03\\x04', but this one starts with {Convert.ToHexString(magic)} (a legacy pre-1.6 pickle, or not a checkpoint).");
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
        // tensors are then cut out of their storages here, so that views PyTorch saves as they are (non-contiguous
        // layouts such as channels-last, offsets into a storage, several tensors sharing one storage) load exactly.
        stream.Position = 0;
        Hashtable table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true, skipTensorRead: true);
        var views = new Dictionary<string, TensorView>(StringComparer.Ordinal);
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || TensorView.Of(entry.Value) is not { } view)
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
            foreach (var (key, view) in views)
            {
                if (!storages.TryGetValue(view.ArchiveIndex, out var storage))
                {
                    storage = ReadStorage(path, archive, view);
                    storages.Add(view.ArchiveIndex, storage);
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
    private static Tensor ReadStorage(string path, ZipArchive zip, TensorView view)
    {
        if (view.ArchiveIndex < 0 || view.ArchiveIndex >= zip.Entries.Count)
        {
            throw new WeightsFileException(path, $"a tensor names storage entry {view.ArchiveIndex}, but the archive has {zip.Entries.Count} entries.");
        }

        var entry = zip.Entries[view.ArchiveIndex];
        long elementSize = empty(0, view.DType).ElementSize;
        if (entry.Length % elementSize != 0 || entry.Length > int.MaxValue)
        {
            throw new WeightsFileException(path, $"storage '{entry.FullName}' has {entry.Length:N0} bytes: not a whole number of {view.DType} elements, or above the 2 GB a storage may have here.");
        }

        var storage = empty(entry.Length / elementSize, view.DType);
        using var data = entry.Open();
        data.ReadExactly(storage.bytes);
        return storage;
    }

    /// <summary>One tensor as torch.save describes it: a dtype, shape and strides at an offset into a storage entry.</summary>
    private sealed record TensorView(int ArchiveIndex, ScalarType DType, long Offset, long[] Shape, long[] Stride)
    {
        /// <summary>
        /// Reads PyBridge's description of an unread tensor (its <c>TensorConstructorArgs</c>, which PyBridge 1.4 does
        /// not make public); null for anything else.
        /// </summary>
        public static TensorView? Of(object? value)
        {
            var type = value?.GetType();
            if (type?.FullName != "TorchSharp.PyBridge.PyTorchUnpickler+TensorConstructorArgs")
            {
                return null;
            }

            object? Get(string name) => type.GetProperty(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(value)
                ?? throw new InvalidOperationException($"PyBridge's tensor description has no {name}: this PyBridge version is not the one ModelGallery was built with.");
            return new TensorView(
                Convert.ToInt32(Get("ArchiveIndex"), CultureInfo.InvariantCulture),
                (ScalarType)Get("DType")!,
                Convert.ToInt64(Get("StorageOffset"), CultureInfo.InvariantCulture),
                (long[])Get("Shape")!,
                (long[])Get("Stride")!);
        }

        /// <summary>A contiguous copy of this view of <paramref name="storage"/>, after checking it lies inside it.</summary>
        public Tensor CutFrom(string path, string key, Tensor storage)
        {
            long last = Offset + Shape.Zip(Stride, (size, stride) => size == 0 ? 0 : (size - 1) * stride).Sum();
            bool empty = Shape.Any(size => size == 0);
            if (Shape.Length != Stride.Length || Offset < 0 || Shape.Any(size => size < 0) || Stride.Any(stride => stride < 0) ||
                (!empty && last >= storage.shape[0]))
            {
                throw new WeightsFileException(path, $"tensor '{key}' (shape [{string.Join(", ", Shape)}], strides [{string.Join(", ", Stride)}], offset {Offset}) reaches beyond its storage of {storage.shape[0]:N0} elements.");
            }

            var copy = torch.empty(Shape, DType);
            if (!empty)
            {
                using var view = storage.as_strided(Shape, Stride, Offset);
                copy.copy_(view);
            }

            return copy;
        }
    }
}
