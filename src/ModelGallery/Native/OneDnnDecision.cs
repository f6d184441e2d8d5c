namespace ModelGallery.Native;

/// <summary>
/// Whether ModelGallery turns oneDNN on at load, with which ISA cap, and why: <c>MODELGALLERY_ONEDNN</c> first (on,
/// off, verify), then the cached verdict for this machine, then — until a verdict exists — the conservative L3 rule.
/// </summary>
/// <param name="Enabled">Whether oneDNN stays on.</param>
/// <param name="IsaCap">The <c>ONEDNN_MAX_CPU_ISA</c> to set before oneDNN's first use, or null.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Verdict">The verdict the decision rests on, or null.</param>
internal sealed record OneDnnDecision(bool Enabled, string? IsaCap, string Reason, OneDnnVerdict? Verdict)
{
    /// <summary>Decides from the setting, the cached verdict (or the problem with it), the reported L3 and, for <c>verify</c>, a check to run.</summary>
    /// <exception cref="ArgumentException"><paramref name="setting"/> is none of on, off, verify, auto (or empty).</exception>
    public static OneDnnDecision Make(
        string? setting, (OneDnnVerdict? Verdict, string? Problem) cached, long? l3Bytes, Func<OneDnnVerdict> verify)
    {
        switch (setting?.Trim().ToLowerInvariant())
        {
            case "off" or "0" or "false":
                return new(false, null, "MODELGALLERY_ONEDNN=off", cached.Verdict);
            case "on" or "1" or "true":
                return new(true, null, "MODELGALLERY_ONEDNN=on", cached.Verdict);
            case "verify":
                var verdict = cached.Verdict ?? verify();
                return verdict.Conclusive ? FromVerdict(verdict) : Conservative(l3Bytes, verdict.Summarize());
            case null or "" or "auto":
                return cached.Verdict is { } known ? FromVerdict(known) : Conservative(l3Bytes, cached.Problem);
            default:
                throw new ArgumentException($"MODELGALLERY_ONEDNN must be on, off, verify or auto; it is '{setting}'.", nameof(setting));
        }
    }

    private static OneDnnDecision FromVerdict(OneDnnVerdict verdict) => verdict.Passed
        ? new(true, verdict.IsaCap, $"verified on this machine: {verdict.Summarize()}", verdict)
        : new(false, null, $"checked on this machine: {verdict.Summarize()}", verdict);

    /// <summary>Until a verdict exists: off where the CPU reports an L3 above <see cref="OneDnn.L3LimitBytes"/>, on elsewhere.</summary>
    private static OneDnnDecision Conservative(long? l3Bytes, string? why)
    {
        string noVerdict = $"no oneDNN verdict for this machine yet{(why is null ? string.Empty : $" ({why})")}; run `gallery doctor` or set MODELGALLERY_ONEDNN=verify";
        return l3Bytes is > OneDnn.L3LimitBytes
            ? new(false, null,
                $"the CPU reports an L3 cache of {l3Bytes / (1 << 20)} MB (above {OneDnn.L3LimitBytes / (1 << 20)} MB: a large AMD EPYC host's " +
                $"whole L3 seen from a guest, where libtorch's oneDNN kernels were measured computing wrong values), and {noVerdict}", null)
            : new(true, null, noVerdict, null);
    }
}
