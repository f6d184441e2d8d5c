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
internal sealed record OneDnnVerdict(OneDnnSignature Signature, DateTimeOffset CheckedAt, IReadOnlyList<OneDnnTrial> Trials)
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

    /// <summary>The machine, one line per case of each configuration tried, and the verdict, as plain text.</summary>
    public void WriteEvidence(TextWriter writer)
    {
        writer.WriteLine($"Machine: {Signature.Describe()} (signature {Signature.Key[..12]})");
        writer.WriteLine("oneDNN against libtorch's reference path (errors relative to the reference output's scale):");
        writer.WriteLine($"{"configuration",-32} {"case",-22} {"batch",5} {"layout",6} {"forward",9} {"dInput",9} {"dWeight",9} {"tolerance",9}  result");
        string E(double value) => value.ToString("0.0e0", CultureInfo.InvariantCulture);
        foreach (var trial in Trials)
        {
            foreach (var row in trial.Cases)
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{trial.Configuration,-32} {row.Name,-22} {row.Batch,5} {(row.ChannelsLast ? "NHWC" : "NCHW"),6} {E(row.ForwardError),9} {E(row.InputGradientError),9} {E(row.WeightGradientError),9} {E(row.Tolerance),9}  {(row.Passed ? "ok" : "wrong")}"));
            }

            string timing = trial.OneDnnSeconds > 0
                ? string.Create(CultureInfo.InvariantCulture, $"oneDNN {trial.OneDnnSeconds:0.00} s, reference {trial.ReferenceSeconds:0.00} s, child {trial.Seconds:0.0} s")
                : string.Create(CultureInfo.InvariantCulture, $"child {trial.Seconds:0.0} s");
            writer.WriteLine($"{trial.Configuration,-32} {trial.Outcome}: {trial.Detail}; {timing}");
        }

        writer.WriteLine($"{(Passed ? "oneDNN verified" : Conclusive ? "oneDNN failed" : "oneDNN not checked")}: {Summarize()}");
    }
}
