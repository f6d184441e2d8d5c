using System.Text.Json.Serialization;

namespace ModelGallery.Native;

/// <summary>One run of the oneDNN canary in a child process, with or without an ISA cap.</summary>
/// <param name="IsaCap">The <c>ONEDNN_MAX_CPU_ISA</c> the child ran with (<c>AVX512_CORE</c>, <c>AVX2</c>), or null for oneDNN's own choice.</param>
/// <param name="Outcome">How the run ended.</param>
/// <param name="Detail">What happened, in words: the worst case, the signal and the case it died in, or why it could not run.</param>
/// <param name="Seconds">The wall time of the child process.</param>
/// <param name="OneDnnSeconds">The time the cases took with oneDNN on (0 unless the run finished).</param>
/// <param name="ReferenceSeconds">The time the cases took on libtorch's reference path (0 unless the run finished).</param>
/// <param name="Cases">The cases that finished, in order.</param>
internal sealed record OneDnnTrial(
    string? IsaCap, OneDnnOutcome Outcome, string Detail, double Seconds, double OneDnnSeconds, double ReferenceSeconds,
    IReadOnlyList<OneDnnCaseResult> Cases)
{
    /// <summary>The configuration in words: <c>no ISA cap</c> or <c>ONEDNN_MAX_CPU_ISA=AVX2</c>.</summary>
    [JsonIgnore]
    public string Configuration => IsaCap is null ? "no ISA cap" : $"ONEDNN_MAX_CPU_ISA={IsaCap}";
}
