using ModelGallery.Native;

namespace ModelGallery.Tests.Native;

/// <summary>Hand-made signatures, cases, trials and verdicts for the decision, cache and verifier tests.</summary>
internal static class OneDnnFakes
{
    public static readonly OneDnnSignature Machine = new("AuthenticAMD", 25, 17, 1, 32 << 10, 1 << 20, 320L << 20, 2, "0.107.0", 461_211_481, 1);

    public static OneDnnCaseResult Case(double error, string name = "3x3/1 64→64 28²", int batch = 16, bool channelsLast = true) =>
        new(name, batch, channelsLast, error, error / 2, error / 4, 1e-4);

    public static OneDnnTrial Trial(OneDnnOutcome outcome, string? cap = null, double onednnSeconds = 1, params OneDnnCaseResult[] cases) =>
        new(cap, outcome, $"{outcome} by hand", 2, onednnSeconds, 3, cases);

    public static OneDnnVerdict Verdict(params OneDnnTrial[] trials) => Verdict(Machine, trials);

    public static OneDnnVerdict Verdict(OneDnnSignature signature, params OneDnnTrial[] trials) =>
        new(signature, new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero), trials);

    public static OneDnnVerdict Passing(string? cap = null) =>
        cap is null ? Verdict(Trial(OneDnnOutcome.Correct, cases: Case(1e-6)))
            : Verdict(Trial(OneDnnOutcome.Crashed), Trial(OneDnnOutcome.Correct, cap, cases: Case(1e-6)));

    public static OneDnnVerdict Failing() => Verdict(Trial(OneDnnOutcome.Wrong, cases: Case(0.11)), Trial(OneDnnOutcome.Crashed, "AVX512_CORE"), Trial(OneDnnOutcome.Wrong, "AVX2", cases: Case(0.02)));
}
