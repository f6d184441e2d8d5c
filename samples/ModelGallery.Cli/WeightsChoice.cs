using System.CommandLine;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Cli;

/// <summary>
/// What <c>--weights</c> (with <c>--preset</c>) names: the catalogue entry whose preset and categories are used, a
/// local file (or null: the cache, downloading when needed), and whether the bytes are that entry's. Only bytes whose
/// SHA-256 matches the catalogue carry the entry's label and accuracy; any other file is
/// <see cref="PretrainedWeights.NotVerified"/>, as the library says.
/// </summary>
/// <param name="Weights">The catalogue entry: its model, preset and categories.</param>
/// <param name="File">A local file the user gave, or null to use the cache (downloading when needed).</param>
/// <param name="Verified">Whether the bytes are the entry's: a catalogue file (checked when loaded), or a local file whose SHA-256 matched.</param>
internal sealed record WeightsChoice(PretrainedWeights Weights, string? File, bool Verified)
{
    /// <summary>Every downloadable catalogue entry of the gallery.</summary>
    public static IEnumerable<PretrainedWeights> All => ModelZoo.All.SelectMany(info => Downloadable(info));

    /// <summary>The entry's label and accuracy for verified bytes; <see cref="PretrainedWeights.NotVerified"/> otherwise.</summary>
    public string Label => Verified ? Weights.Label : PretrainedWeights.NotVerified;

    /// <summary>What <c>results.json</c> records: the entry's name for verified bytes; <see cref="PretrainedWeights.NotVerified"/> otherwise.</summary>
    public string Record => Verified ? Weights.Name : PretrainedWeights.NotVerified;

    /// <summary><c>--preset TAG</c>: which entry's preset (and categories) a local file that matches no catalogue hash is used with.</summary>
    public static Option<string?> PresetOption() =>
        new("--preset") { Description = "With --weights FILE: the weights tag whose preset to use (imagenet1k-v1, imagenet1k-v2, …) when the file's SHA-256 matches no catalogue entry (default: the entry the file's name names, else the model's default)." };

    /// <summary>
    /// Resolves <c>--weights</c> for a model: <c>imagenet1k</c> (the default file), a tag such as <c>imagenet1k-v2</c>,
    /// or a local file, which is the entry its SHA-256 matches (verified), else unverified with the preset of
    /// <paramref name="preset"/>'s entry, of the entry whose published file name it has, or of the default.
    /// </summary>
    /// <exception cref="UsageException">
    /// The model has no ImageNet weights; the value is neither a known tag nor an existing file; <paramref name="preset"/>
    /// is unknown, given without a file, or contradicts the file's hash.
    /// </exception>
    public static WeightsChoice ForModel(ModelInfo info, string value, string? preset = null)
    {
        var known = Downloadable(info).ToList();
        if (known.Count == 0)
        {
            throw new UsageException($"{info.Name} has no ImageNet weights; models with weights: {string.Join(", ", All.Select(w => w.Model).Distinct())}.");
        }

        string tags = $"imagenet1k, {string.Join(", ", known.Select(w => w.Tag))}";
        var tagged = Tagged(known, value);
        var presetEntry = preset is null ? null
            : Tagged(known, preset) ?? throw new UsageException($"--preset: '{preset}' is not a weights tag of {info.Name}; known: {tags}.");
        if (tagged is not null)
        {
            return presetEntry is null || presetEntry == tagged ? new(tagged, null, Verified: true)
                : throw new UsageException($"--preset is for a local --weights FILE; {tagged.Name} has its own preset.");
        }

        if (System.IO.File.Exists(value))
        {
            if (info.FindWeights(value) is { } match)
            {
                return presetEntry is null || presetEntry == match ? new(match, value, Verified: true)
                    : throw new UsageException($"--preset {preset} contradicts '{value}': its SHA-256 is that of {match.Name} ({match.FileName}).");
            }

            string name = Path.GetFileName(value);
            var byName = known.FirstOrDefault(w => string.Equals(w.FileName, name, StringComparison.OrdinalIgnoreCase));
            return new(presetEntry ?? byName ?? known.Single(w => w.IsDefault), value, Verified: false);
        }

        throw new UsageException(Directory.Exists(value)
            ? $"--weights: '{value}' is a directory; name a .pth file or one of: {tags}."
            : $"--weights: '{value}' is neither a file nor a weights name of {info.Name}; known: {tags}.");
    }

    /// <summary>Resolves a NAME of <c>gallery weights</c>: a model (its default file) or a full name such as <c>resnet50-imagenet1k-v1</c>.</summary>
    /// <exception cref="UsageException">No entry has that name.</exception>
    public static PretrainedWeights Named(string name)
    {
        var entry = All.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? (ModelZoo.TryGet(name, out var info) ? Downloadable(info).FirstOrDefault(w => w.IsDefault) : null);
        return entry ?? throw new UsageException($"Unknown weights '{name}'. Known: {string.Join(", ", All.Select(w => w.Name))} (or a model name for its default).");
    }

    private static IEnumerable<PretrainedWeights> Downloadable(ModelInfo info) => info.Weights.Where(w => w.Url is not null);

    private static PretrainedWeights? Tagged(IReadOnlyList<PretrainedWeights> known, string value) =>
        string.Equals(value, "imagenet1k", StringComparison.OrdinalIgnoreCase)
            ? known.Single(w => w.IsDefault)
            : known.FirstOrDefault(w => string.Equals(w.Tag, value, StringComparison.OrdinalIgnoreCase));
}
