namespace ModelGallery.Benchmarks;

/// <summary>
/// A model fine-tuned with its backbone frozen (<c>Freeze.Backbone</c>) or not, in NCHW or channels-last memory order
/// (BenchmarkDotNet prints it via ToString).
/// </summary>
public sealed record FineTuningCase(string Model, bool Frozen, bool ChannelsLast = false)
{
    /// <summary>"frozen" or "unfrozen", as the PyTorch reference names the cases.</summary>
    public string Backbone => Frozen ? "frozen" : "unfrozen";

    /// <summary>"nchw" or "channels_last", as the PyTorch reference names the layouts.</summary>
    public string Layout => ChannelsLast ? "channels_last" : "nchw";

    /// <summary>Both layouts of every model, backbone frozen and not.</summary>
    public static IEnumerable<FineTuningCase> All(IEnumerable<string> models) =>
        from model in models
        from frozen in Booleans
        from last in Booleans
        select new FineTuningCase(model, !frozen, last);

    private static readonly bool[] Booleans = [false, true];

    public override string ToString() => $"{Model}-{Backbone}-{Layout}";

    /// <summary>Reads <c>model:frozen|unfrozen:nchw|channels_last</c>.</summary>
    public static FineTuningCase Parse(string text)
    {
        string[] parts = text.Split(':');
        return parts is [var model, "frozen" or "unfrozen", "nchw" or "channels_last"]
            ? new FineTuningCase(model, parts[1] == "frozen", parts[2] == "channels_last")
            : throw new ArgumentException($"A fine-tuning case is model:frozen|unfrozen:nchw|channels_last; received '{text}'.", nameof(text));
    }
}
