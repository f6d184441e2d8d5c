using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Cli;

/// <summary>What <c>--weights</c> or a weights NAME names: a catalogue entry (<c>imagenet1k</c>, a tag, or a full name) and, for a local file, its path.</summary>
/// <param name="Weights">The catalogue entry: its model, preset and categories.</param>
/// <param name="File">A local file the user gave, or null to use the cache (downloading when needed).</param>
internal sealed record WeightsChoice(ImageNetWeights Weights, string? File)
{
    /// <summary>Every catalogue entry of the gallery.</summary>
    public static IEnumerable<ImageNetWeights> All => ModelZoo.All.SelectMany(info => info.ImageNetWeights);

    /// <summary>Resolves <c>--weights</c> for a model: <c>imagenet1k</c> (the default file), a tag such as <c>imagenet1k-v2</c>, or a local file.</summary>
    /// <exception cref="UsageException">The model has no ImageNet weights, or the value is neither a known tag nor an existing file.</exception>
    public static WeightsChoice ForModel(ModelInfo info, string value)
    {
        if (info.ImageNetWeights.Count == 0)
        {
            throw new UsageException($"{info.Name} has no ImageNet weights; models with weights: {string.Join(", ", All.Select(w => w.Model).Distinct())}.");
        }

        var tagged = string.Equals(value, "imagenet1k", StringComparison.OrdinalIgnoreCase)
            ? info.ImageNetWeights.Single(w => w.IsDefault)
            : info.ImageNetWeights.FirstOrDefault(w => string.Equals(w.Tag, value, StringComparison.OrdinalIgnoreCase));
        if (tagged is not null)
        {
            return new(tagged, null);
        }

        if (System.IO.File.Exists(value))
        {
            return new(info.ImageNetWeights.Single(w => w.IsDefault), value);
        }

        throw new UsageException(Directory.Exists(value)
            ? $"--weights: '{value}' is a directory; name a .pth file or one of: imagenet1k, {string.Join(", ", info.ImageNetWeights.Select(w => w.Tag))}."
            : $"--weights: '{value}' is neither a file nor a weights name of {info.Name}; known: imagenet1k, {string.Join(", ", info.ImageNetWeights.Select(w => w.Tag))}.");
    }

    /// <summary>Resolves a NAME of <c>gallery weights</c>: a model (its default file) or a full name such as <c>resnet50-imagenet1k-v1</c>.</summary>
    /// <exception cref="UsageException">No entry has that name.</exception>
    public static ImageNetWeights Named(string name)
    {
        var entry = All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? (ModelZoo.TryGet(name, out var info) ? info.ImageNetWeights.FirstOrDefault(w => w.IsDefault) : null);
        return entry ?? throw new UsageException($"Unknown weights '{name}'. Known: {string.Join(", ", All.Select(w => w.Name))} (or a model name for its default).");
    }
}
