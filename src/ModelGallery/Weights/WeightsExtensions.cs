using ModelGallery.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>Saving and loading a module's weights as safetensors or as PyTorch <c>torch.save</c> state_dicts.</summary>
public static class WeightsExtensions
{
    /// <summary>
    /// Saves the module's state_dict (parameters and buffers) atomically: the file is written under a temporary
    /// name in the same folder and then renamed, so an existing file is replaced whole or not at all (an exception or a
    /// killed process leaves the old one). Like <c>torch.save</c>, it returns with the file in the page cache, not yet
    /// flushed to disk.
    /// </summary>
    /// <remarks>
    /// A PyTorch file is written as <c>torch.save</c> writes one, which <c>torch.load</c> reads (PyTorch 1.6 and later):
    /// a zip archive whose entries are stored uncompressed, each tensor's data at a multiple of 64 bytes.
    /// </remarks>
    /// <param name="module">The module.</param>
    /// <param name="path">The file; its extension picks the format unless <paramref name="format"/> is given.</param>
    /// <param name="format">The format, or null to take it from the extension (.safetensors, .pt, .pth, .bin).</param>
    /// <exception cref="IOException">
    /// The path exists and is not a regular file (a folder, device, pipe or socket), or cannot be written; or a PyTorch
    /// file would exceed 4 GB or 65,535 tensors (zip64, which is not written: save such weights as .safetensors).
    /// </exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is changing the model (loading weights, training).</exception>
    public static void SaveWeights(this nn.Module module, string path, WeightsFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var chosen = format ?? StateDictFile.FormatOf(path);

        // One consistent snapshot: a gallery model cannot be changed while its weights are read.
        using var lease = (module as IGuardedModule)?.Usage.EnterShared(nameof(SaveWeights));
        using var scope = NewDisposeScope();
        var stateDict = module.state_dict().ToDictionary(
            entry => entry.Key,
            entry => entry.Value.device_type == DeviceType.CPU && entry.Value.is_contiguous() ? entry.Value : entry.Value.cpu().contiguous());
        AtomicFile.Write(path, stream => StateDictFile.Write(stream, stateDict, chosen), durable: false); // as torch.save, but whole or not at all
    }

    /// <summary>
    /// Loads weights into the module. By default the load is strict and all or nothing: every key must exist on both
    /// sides with the same shape and dtype, or a <see cref="WeightsMismatchException"/> lists every problem and the
    /// module is left exactly as it was. See <see cref="LoadOptions"/> for leaving the classifier out and for a
    /// non-strict load.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="path">The file; its extension picks the format unless <paramref name="format"/> is given.</param>
    /// <param name="options">Strictness and what to skip; null for <see cref="LoadOptions.Default"/>.</param>
    /// <param name="format">The format, or null to take it from the extension.</param>
    /// <returns>What was loaded, skipped, missing, unexpected or mismatched.</returns>
    /// <remarks>
    /// <para>
    /// Keys of modules that a file may hold but this model does not build (GoogLeNet's auxiliary classifiers, when it
    /// is built without them, as torchvision does) are left out and listed as skipped; everything else stays strict.
    /// </para>
    /// <para>
    /// The file's names, dtypes and shapes are compared with the model's before any data is read, and only the tensors
    /// that will be loaded are read (a storage several names share, once): a load needs at most the file's storage
    /// bytes plus one copy of the model's own tensors, whatever the file holds besides. Values saved as
    /// <c>nn.Parameter</c> load as tensors, as in PyTorch.
    /// </para>
    /// </remarks>
    /// <exception cref="WeightsFileException">
    /// The file is not a valid file of its format (a safetensors file whose tensors' byte ranges overlap, among
    /// others), or the path is a directory, a named pipe, a device or a socket (refused before it is opened).
    /// </exception>
    /// <exception cref="WeightsMismatchException">A strict load found keys that do not match.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another operation (inference, training, a summary) is running on the model.</exception>
    public static LoadReport LoadWeights(this nn.Module module, string path, LoadOptions? options = null, WeightsFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new WeightsFileException(path, "it is a directory; name a .safetensors, .pt, .pth or .bin file in it.");
        }

        if (UnixFile.Special(path) is { } special)
        {
            // Checked before opening: opening a named pipe for reading blocks until something writes to it.
            throw new WeightsFileException(path, $"it is {special}, not a regular file; expected a .safetensors, .pt, .pth or .bin file.");
        }

        var chosen = format ?? StateDictFile.FormatOf(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return module.LoadWeights(stream, path, chosen, options);
    }

    /// <summary>Loads weights from a seekable stream; see <see cref="LoadWeights(nn.Module, string, LoadOptions?, WeightsFormat?)"/>.</summary>
    /// <param name="module">The module.</param>
    /// <param name="stream">The weights, a seekable stream.</param>
    /// <param name="name">A name for the stream in error messages.</param>
    /// <param name="format">The stream's format.</param>
    /// <param name="options">Strictness and what to skip; null for <see cref="LoadOptions.Default"/>.</param>
    public static LoadReport LoadWeights(this nn.Module module, Stream stream, string name, WeightsFormat format, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(stream);
        options ??= LoadOptions.Default;
        string[] skip = [.. options.SkipModules, .. options.SkipClassifier ? ClassifierOf(module) : []];
        string[] optional = [.. (module as IWeightsLayout)?.OptionalModules ?? []];
        bool Under(string key, string[] prefixes) => prefixes.Any(prefix => key == prefix || key.StartsWith(prefix + ".", StringComparison.Ordinal));

        using var scope = NewDisposeScope();
        using var file = StateDictFile.Open(stream, name, format); // the structure only: names, dtypes and shapes
        var stored = file.Tensors;
        var guarded = module as IGuardedModule;
        (Dictionary<string, Tensor> Target, LoadReport Report) Plan()
        {
            var target = module.state_dict();
            bool Skipped(string key) => Under(key, skip) || (!target.ContainsKey(key) && Under(key, optional));
            var report = new LoadReport(
                loaded: [.. target.Keys.Where(k => !Skipped(k) && stored.TryGetValue(k, out var t) && Fits(target[k], t))],
                skipped: Sorted(target.Keys.Concat(file.Names).Where(Skipped).Distinct()),
                missing: Sorted(target.Keys.Where(k => !Skipped(k) && !stored.ContainsKey(k))),
                unexpected: Sorted(file.Names.Where(k => !Skipped(k) && !target.ContainsKey(k))),
                mismatched: [.. target.Keys.Where(k => !Skipped(k) && stored.TryGetValue(k, out var t) && !Fits(target[k], t)).Order(StringComparer.Ordinal)
                    .Select(k => (k, Describe(target[k]), stored[k].Describe()))]);
            return options.Strict && !report.IsComplete ? throw new WeightsMismatchException(name, module.GetName(), report) : (target, report);
        }

        // Names, shapes and dtypes are compared with the model before any data is read, and only the tensors that will
        // be loaded are read, each the size of the model's own: memory stays within the file's storages plus the
        // model's tensors, however many names the file gives one storage. They are read under a shared lease (a slow
        // read blocks no inference) and all before any is copied, so a file that fails leaves the model as it was.
        Dictionary<string, Tensor> values;
        using (guarded?.Usage.EnterShared(nameof(LoadWeights)))
        {
            values = Plan().Report.Loaded.ToDictionary(key => key, file.Read, StringComparer.Ordinal);
        }

        // Changing the weights needs the model to itself: no inference may see half of one set and half of another.
        // The plan is made again, in case the model changed (its dtype, say) between the two leases.
        using var lease = guarded?.Usage.EnterExclusive(nameof(LoadWeights));
        var (target, report) = Plan();
        var copies = report.Loaded.Select(key => (Target: target[key], Value: values.TryGetValue(key, out var value) ? value : file.Read(key))).ToList();
        using (no_grad())
        {
            foreach (var (model, value) in copies)
            {
                model.copy_(value);
            }
        }

        return report;
    }

    private static string[] Sorted(IEnumerable<string> keys) => [.. keys.Order(StringComparer.Ordinal)];

    private static IEnumerable<string> ClassifierOf(nn.Module module) => module is IWeightsLayout layout
        ? layout.ClassifierModules
        : throw new ArgumentException($"SkipClassifier needs a gallery model, which knows its classifier layers; {module.GetName()} is a {module.GetType().Name}. Use SkipModules to name them.", nameof(module));

    private static bool Fits(Tensor model, StoredTensor file) => model.dtype == file.DType && model.shape.SequenceEqual(file.Shape);

    private static string Describe(Tensor tensor) => $"{tensor.dtype} [{string.Join(", ", tensor.shape)}]";
}
