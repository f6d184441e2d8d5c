namespace ModelGallery.Benchmarks;

/// <summary>A model fine-tuned with its backbone frozen (<c>Freeze.Backbone</c>) or not (BenchmarkDotNet prints it via ToString).</summary>
public sealed record FineTuningCase(string Model, bool Frozen)
{
    /// <summary>"frozen" or "unfrozen", as the PyTorch reference names the cases.</summary>
    public string Backbone => Frozen ? "frozen" : "unfrozen";

    public override string ToString() => $"{Model}-{Backbone}";

    /// <summary>Reads <c>model:frozen</c> or <c>model:unfrozen</c>.</summary>
    public static FineTuningCase Parse(string text)
    {
        string[] parts = text.Split(':');
        return parts is [var model, "frozen" or "unfrozen"]
            ? new FineTuningCase(model, parts[1] == "frozen")
            : throw new ArgumentException($"A fine-tuning case is model:frozen or model:unfrozen; received '{text}'.", nameof(text));
    }
}
