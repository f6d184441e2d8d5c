using ModelGallery.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>Saving and loading a module's weights as safetensors or as PyTorch <c>torch.save</c> state_dicts.</summary>
public static class WeightsExtensions
{
    /// <summary>
    /// Saves the module's state_dict (parameters and buffers) atomically: the file is written under a temporary
    /// name in the same folder and then renamed, so an existing file is replaced whole or not at all.
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="path">The file; its extension picks the format unless <paramref name="format"/> is given.</param>
    /// <param name="format">The format, or null to take it from the extension (.safetensors, .pt, .pth, .bin).</param>
    public static void SaveWeights(this nn.Module module, string path, WeightsFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var chosen = format ?? StateDictFile.FormatOf(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        using var scope = NewDisposeScope();
        var stateDict = module.state_dict().ToDictionary(
            entry => entry.Key,
            entry => entry.Value.device_type == DeviceType.CPU && entry.Value.is_contiguous() ? entry.Value : entry.Value.cpu().contiguous());
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                StateDictFile.Write(stream, stateDict, chosen);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
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
    /// <exception cref="WeightsFileException">The file is not a valid file of its format.</exception>
    /// <exception cref="WeightsMismatchException">A strict load found keys that do not match.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static LoadReport LoadWeights(this nn.Module module, string path, LoadOptions? options = null, WeightsFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return module.LoadWeights(stream, path, format ?? StateDictFile.FormatOf(path), options);
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
        bool Skipped(string key) => skip.Any(prefix => key == prefix || key.StartsWith(prefix + ".", StringComparison.Ordinal));

        using var scope = NewDisposeScope();
        var file = StateDictFile.Read(stream, name, format);
        var target = module.state_dict();
        var report = new LoadReport(
            Loaded: [.. target.Keys.Where(k => !Skipped(k) && file.TryGetValue(k, out var t) && Fits(target[k], t))],
            Skipped: [.. target.Keys.Concat(file.Keys).Where(Skipped).Distinct()],
            Missing: [.. target.Keys.Where(k => !Skipped(k) && !file.ContainsKey(k))],
            Unexpected: [.. file.Keys.Where(k => !Skipped(k) && !target.ContainsKey(k))],
            Mismatched: [.. target.Keys.Where(k => !Skipped(k) && file.TryGetValue(k, out var t) && !Fits(target[k], t))
                .Select(k => new KeyMismatch(k, Describe(target[k]), Describe(file[k])))]);
        if (options.Strict && !report.IsComplete)
        {
            throw new WeightsMismatchException(name, module.GetName(), report);
        }

        using (no_grad())
        {
            foreach (string key in report.Loaded)
            {
                target[key].copy_(file[key]);
            }
        }

        return report;
    }

    private static IEnumerable<string> ClassifierOf(nn.Module module) => module is GalleryModel gallery
        ? gallery.ClassifierModules
        : throw new ArgumentException($"SkipClassifier needs a gallery model, which knows its classifier layers; {module.GetName()} is a {module.GetType().Name}. Use SkipModules to name them.", nameof(module));

    private static bool Fits(Tensor model, Tensor file) => model.dtype == file.dtype && model.shape.SequenceEqual(file.shape);

    private static string Describe(Tensor tensor) => $"{tensor.dtype} [{string.Join(", ", tensor.shape)}]";
}
