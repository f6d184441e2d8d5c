namespace ModelGallery.Weights;

/// <summary>What a load did: which keys it loaded, which it skipped on purpose, and which did not match.</summary>
public sealed class LoadReport
{
    internal LoadReport(IReadOnlyList<string> loaded, IReadOnlyList<string> skipped, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<(string Key, string Expected, string Found)> mismatched)
    {
        Loaded = loaded;
        Skipped = skipped;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>Keys whose tensors were copied into the model.</summary>
    public IReadOnlyList<string> Loaded { get; }

    /// <summary>Keys left alone because the options said so (model and file side).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>Keys of the model that the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Keys of the file that the model lacks.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>
    /// Keys present on both sides whose shape or dtype differ: the state_dict key, the model's dtype and shape (such as
    /// <c>Float32 [64, 3, 7, 7]</c>) and the file's.
    /// </summary>
    public IReadOnlyList<(string Key, string Expected, string Found)> Mismatched { get; }

    /// <summary>True when nothing was missing, unexpected or mismatched.</summary>
    public bool IsComplete => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>Every problem, one per line.</summary>
    public IEnumerable<string> Problems =>
        Missing.Select(key => $"missing: '{key}' is in the model but not in the file")
            .Concat(Unexpected.Select(key => $"unexpected: '{key}' is in the file but not in the model"))
            .Concat(Mismatched.Select(m => $"mismatch: '{m.Key}' is {m.Expected} in the model but {m.Found} in the file"));

    /// <summary>A readable summary: the counts, then every problem.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, [
            $"{Loaded.Count} loaded, {Skipped.Count} skipped, {Missing.Count} missing, {Unexpected.Count} unexpected, {Mismatched.Count} mismatched",
            .. Skipped.Select(key => $"skipped: '{key}'"),
            .. Problems]);
}
