using System.Globalization;
using System.Text.Json.Serialization;

namespace ModelGallery.Native;

/// <summary>
/// What the oneDNN canary found on one machine: each configuration tried (oneDNN's own ISA choice first, then the
/// ISA caps if that failed) and its evidence. ModelGallery caches it per <see cref="OneDnnSignature"/> and applies it
/// when it loads libtorch: oneDNN on (with <see cref="IsaCap"/>) if a configuration passed, off otherwise.
/// </summary>
/// <param name="Signature">The machine the check ran on.</param>
/// <param name="CheckedAt">When the check ran.</param>
/// <param name="Trials">The configurations tried, in order.</param>
public sealed record OneDnnVerdict(OneDnnSignature Signature, DateTimeOffset CheckedAt, IReadOnlyList<OneDnnTrial> Trials)
{
    /// <summary>The configuration kept: the passing trial whose oneDNN cases ran fastest; null if none passed.</summary>
    [JsonIgnore]
    public OneDnnTrial? Chosen => Trials.Where(t => t.Outcome == OneDnnOutcome.Correct).OrderBy(t => t.OneDnnSeconds).FirstOrDefault();

    /// <summary>Whether oneDNN computed correctly in some configuration.</summary>
    [JsonIgnore]
    public bool Passed => Chosen is not null;

    /// <summary>The <c>ONEDNN_MAX_CPU_ISA</c> cap of <see cref="Chosen"/>, null for none.</summary>
    [JsonIgnore]
    public string? IsaCap => Chosen?.IsaCap;

    /// <summary>Whether the verdict rests on evidence: a configuration passed, or none could be run to an end that says anything (no <see cref="OneDnnOutcome.NotRun"/>).</summary>
    [JsonIgnore]
    public bool Conclusive => Passed || (Trials.Count > 0 && Trials.All(t => t.Outcome != OneDnnOutcome.NotRun));

    /// <summary>The verdict in one sentence, with the worst error or the failure of each configuration.</summary>
    public string Summarize() => Chosen is { } chosen
        ? string.Create(CultureInfo.InvariantCulture,
            $"oneDNN computes correctly with {chosen.Configuration} ({chosen.Detail}); checked {CheckedAt:yyyy-MM-dd HH:mm} UTC")
        : Conclusive
            ? $"oneDNN failed in every configuration tried ({string.Join("; ", Trials.Select(t => $"{t.Configuration}: {t.Outcome}, {t.Detail}"))}); checked {CheckedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC"
            : $"the oneDNN check could not run ({string.Join("; ", Trials.Select(t => t.Detail))})";
}
