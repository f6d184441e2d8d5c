using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>A storage of a legacy torch.save file as its persistent ids declare it: a key, a dtype and an element count.</summary>
internal sealed record LegacyStorage(string Key, ScalarType DType, long Numel, int ElementSize)
{
    /// <summary>The storage types of <c>torch</c> (and <c>torch.cuda</c>, loaded here on the CPU): dtype and element size.</summary>
    public static IReadOnlyDictionary<string, (ScalarType DType, int Size)> Types { get; } = new Dictionary<string, (ScalarType, int)>(StringComparer.Ordinal)
    {
        ["FloatStorage"] = (ScalarType.Float32, 4), ["DoubleStorage"] = (ScalarType.Float64, 8), ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2), ["LongStorage"] = (ScalarType.Int64, 8), ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2), ["CharStorage"] = (ScalarType.Int8, 1), ["ByteStorage"] = (ScalarType.Byte, 1), ["BoolStorage"] = (ScalarType.Bool, 1),
    };
}

/// <summary>
/// What a tensor of a legacy file stands on: a whole storage, or (in files of PyTorch before 1.0) a view of elements
/// <see cref="Offset"/> to <see cref="Offset"/> + <see cref="Size"/> of it, to which the tensor's own offset is relative.
/// </summary>
internal sealed record LegacyStorageView(LegacyStorage Root, string Key, long Offset, long Size)
{
    /// <summary>
    /// Reads a persistent id <c>('storage', type, key, location, numel, view)</c> of the legacy format, or
    /// <c>('storage', type, key, location, numel)</c> of the zip format, checking that the storage fits in
    /// <paramref name="maxBytes"/> and agrees with every other id naming the same key; the location is ignored
    /// (everything loads on the CPU).
    /// </summary>
    public static LegacyStorageView Of(string path, object? id, Dictionary<string, LegacyStorage> storages, long maxBytes)
    {
        if (id is not object?[] { Length: 5 or 6 } parts || parts[0] is not "storage" || parts[1] is not PickleGlobal type ||
            !LegacyStorage.Types.TryGetValue(type.Name, out var kind) || parts[2] is not string key || parts[3] is not string ||
            parts[4] is not long numel || numel < 0)
        {
            throw new WeightsFileException(path, "a persistent id of its pickle is not ('storage', storage type, key, location, element count, view).");
        }

        if (numel > maxBytes / kind.Size)
        {
            throw new WeightsFileException(path, $"storage '{key}' declares {numel:N0} {kind.DType} elements of {kind.Size} bytes, more than the whole {maxBytes:N0}-byte file holds (truncated, corrupt or hostile).");
        }

        var root = new LegacyStorage(key, kind.DType, numel, kind.Size);
        if (!storages.TryAdd(key, root) && storages[key] != root)
        {
            var seen = storages[key];
            throw new WeightsFileException(path, $"storage '{key}' is declared as {seen.Numel:N0} {seen.DType} elements and as {numel:N0} {kind.DType} elements.");
        }

        return (parts.Length == 6 ? parts[5] : null) switch
        {
            null => new LegacyStorageView(root, key, 0, numel),
            object?[] { Length: 3 } view when view[0] is string viewKey && view[1] is long offset && view[2] is long size &&
                offset >= 0 && size >= 0 && offset <= numel && size <= numel - offset => new LegacyStorageView(root, viewKey, offset, size),
            _ => throw new WeightsFileException(path, $"storage '{key}' of {numel:N0} elements has a view that is not (key, offset, size) inside it."),
        };
    }

    /// <summary>A contiguous copy of <paramref name="view"/> (its offset relative to this storage view) from the whole root storage.</summary>
    public Tensor Cut(string path, string name, TensorView view, Tensor root) => (view with { Offset = view.Offset + Offset }).CutFrom(path, name, root);
}
