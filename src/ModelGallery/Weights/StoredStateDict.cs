using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// The tensors of an open weights file, in the file's order, each described but not read (<see cref="StoredTensor"/>).
/// Storages shared by several tensors are read once, when the first tensor standing on them is read, and kept until
/// this is disposed: reading any set of names costs at most the file's storage bytes plus the tensors read, however
/// many names share a storage. The file's stream must stay open while tensors are read.
/// </summary>
internal sealed class StoredStateDict(string path, WeightsFormat format) : IDisposable
{
    private readonly Dictionary<string, Tensor> storages = new(StringComparer.Ordinal);
    private readonly List<IDisposable> owned = [];

    /// <summary>The tensors by name, in the file's order.</summary>
    public IReadOnlyDictionary<string, StoredTensor> Tensors { get; private set; } = new Dictionary<string, StoredTensor>();

    /// <summary>The names in the file's order.</summary>
    public IReadOnlyList<string> Names { get; private set; } = [];

    /// <summary>Sets the tensors, in the file's order.</summary>
    public void Set(IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
        Names = [.. tensors.Select(t => t.Key)];
        Tensors = tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }

    /// <summary>Disposes <paramref name="resource"/> (an archive reader) with this.</summary>
    public void Own(IDisposable resource) => owned.Add(resource);

    /// <summary>The storage <paramref name="key"/>, read by <paramref name="read"/> the first time it is asked for.</summary>
    public Tensor Storage(string key, Func<Tensor> read)
    {
        if (!storages.TryGetValue(key, out var storage))
        {
            storage = read();
            storages.Add(key, storage);
        }

        return storage;
    }

    /// <summary>Reads the tensor <paramref name="name"/>; the caller owns it.</summary>
    /// <exception cref="WeightsFileException">Its data cannot be read as the file describes it.</exception>
    public Tensor Read(string name)
    {
        try
        {
            return Tensors[name].Read();
        }
        catch (Exception e) when (e is not WeightsFileException and not OutOfMemoryException)
        {
            throw new WeightsFileException(path, $"the {format} reader failed on tensor '{name}': {e.Message}", e);
        }
    }

    /// <summary>Reads every tensor (for tests and whole-file tools; a load reads only what it loads). The caller owns them.</summary>
    public Dictionary<string, Tensor> ReadAll()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (string name in Names)
            {
                result.Add(name, Read(name));
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

        return result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var storage in storages.Values)
        {
            storage.Dispose();
        }

        storages.Clear();
        foreach (var resource in owned)
        {
            resource.Dispose();
        }

        owned.Clear();
    }
}
