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
/// which accepts only the torch storage types, <c>torch._utils._rebuild_tensor_v2</c>, <c>torch._utils._rebuild_tensor</c>
/// and <c>collections.OrderedDict</c>, and runs nothing. Every size is checked against the file before it is allocated.
/// </summary>
internal static class LegacyTorchSaveFile
{
    private const long ProtocolVersion = 1001;
    private static readonly BigInteger MagicNumber = BigInteger.Parse("01950a86a20f9469cfc6c", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    public static Dictionary<string, Tensor> Read(string path, Stream stream)
    {
        stream.Position = 0;
        var storages = new Dictionary<string, LegacyStorage>(StringComparer.Ordinal);
        var pickle = new PickleReader(stream, path, Accepts, id => LegacyStorageView.Of(path, id, storages, stream.Length));
        object? magic = pickle.Read();
        if (magic is not BigInteger number || number != MagicNumber)
        {
            throw new WeightsFileException(path, $"its first pickle is {Show(magic)}, not torch.save's magic number 0x1950a86a20f9469cfc6c (corrupt, or a pickle that is not a checkpoint).");
        }

        object? version = pickle.Read();
        if (version is not long v || v != ProtocolVersion)
        {
            throw new WeightsFileException(path, $"its protocol version is {Show(version)}, but torch.save's legacy format has {ProtocolVersion}.");
        }

        var sysInfo = pickle.Read() as PickleDict;
        if (sysInfo?.FirstOrDefault(item => item.Key is "little_endian").Value is not true)
        {
            throw new WeightsFileException(path, "its sys_info does not say little_endian=True: big-endian files are not supported.");
        }

        var tensors = Tensors(path, pickle.Read());
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

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string key in keys.Cast<string>())
            {
                using var storage = ReadStorage(path, stream, key, storages[key]);
                foreach (var (name, (reference, view)) in tensors.Where(t => t.Value.Storage.Root.Key == key))
                {
                    result.Add(name, reference.Cut(path, name, view, storage));
                }
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

        return tensors.Keys.ToDictionary(name => name, name => result[name], StringComparer.Ordinal); // the file's order
    }

    private static bool Accepts(PickleGlobal global) => global switch
    {
        ("torch" or "torch.cuda", var name) => LegacyStorage.Types.ContainsKey(name),
        ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_tensor") or ("collections", "OrderedDict") => true,
        _ => false,
    };

    /// <summary>What a pickled value is, in Python's words.</summary>
    private static string PythonKind(object? value) => value switch
    {
        null => "None",
        List<object?> => "a list",
        object?[] => "a tuple",
        PickleDict => "a dict",
        PickleCall call => $"a call of {call.Function}",
        _ => $"the value {Show(value)}",
    };

    private static string Show(object? value) => value switch
    {
        null => "None",
        string text => $"'{text}'",
        BigInteger number => $"0x{number:x}",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? value.GetType().Name,
    };

    /// <summary>The state_dict: each entry's storage and view, checked for shape against the storage it names.</summary>
    private static Dictionary<string, (LegacyStorageView Storage, TensorView View)> Tensors(string path, object? stateDict)
    {
        if (stateDict is not PickleDict items)
        {
            throw new WeightsFileException(path, $"it holds {PythonKind(stateDict)}, not a state_dict: only plain state_dicts of tensors are read.");
        }

        var tensors = new Dictionary<string, (LegacyStorageView, TensorView)>(StringComparer.Ordinal);
        foreach (var (key, value) in items)
        {
            // _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata]), or before
            // PyTorch 0.4 _rebuild_tensor(storage, offset, size, stride); requires_grad and hooks do not matter here.
            if (key is not string name || value is not PickleCall { Function: var function, Arguments: var args } ||
                args is not [LegacyStorageView storage, long offset, object?[] size, object?[] stride, ..] ||
                !(function.Name == "_rebuild_tensor" ? args.Length == 4 : args.Length is 6 or 7 && args[4] is bool) ||
                size.Any(n => n is not long) || stride.Any(n => n is not long))
            {
                throw new WeightsFileException(path, $"entry {Show(key)} is not a tensor (a call of torch._utils._rebuild_tensor_v2 with a storage, an offset, a size and strides): only plain state_dicts of tensors are read.");
            }

            var view = new TensorView(storage.Root.DType, offset, [.. size.Cast<long>()], [.. stride.Cast<long>()]);
            if (!view.FitsIn(storage.Size))
            {
                throw new WeightsFileException(path, $"tensor '{name}' ({view.Describe()}) reaches beyond its storage '{storage.Key}' of {storage.Size:N0} elements.");
            }

            if (!tensors.TryAdd(name, (storage, view)))
            {
                throw new WeightsFileException(path, $"its state_dict names '{name}' twice; which of the two tensors is meant is undefined.");
            }
        }

        return tensors;
    }

    /// <summary>A whole storage, after checking its element count against the persistent id and the rest of the file.</summary>
    private static Tensor ReadStorage(string path, Stream stream, string key, LegacyStorage declared)
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

        var storage = empty(count, declared.DType);
        stream.ReadExactly(storage.bytes);
        return storage;
    }
}
