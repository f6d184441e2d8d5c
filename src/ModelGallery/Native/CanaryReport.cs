using System.Text.Json;

namespace ModelGallery.Native;

/// <summary>
/// What a canary child process has done so far, rewritten whole (through a rename) before each case: if the process
/// dies, the last report says whether libtorch had loaded and which case was running.
/// </summary>
/// <param name="Loaded">Whether libtorch loaded (a death before that says nothing about oneDNN).</param>
/// <param name="Running">The case running, or null.</param>
/// <param name="Cases">The cases finished.</param>
/// <param name="OneDnnSeconds">Seconds spent with oneDNN on (set when finished).</param>
/// <param name="ReferenceSeconds">Seconds spent on the reference path (set when finished).</param>
/// <param name="Finished">Whether every case ran.</param>
/// <param name="Error">A managed exception that ended the run, or null.</param>
internal sealed record CanaryReport(
    bool Loaded, string? Running, IReadOnlyList<OneDnnCaseResult> Cases, double OneDnnSeconds, double ReferenceSeconds, bool Finished, string? Error)
{
    /// <summary>Runs the canary in this process (the child), reporting to <paramref name="path"/>; returns the exit code: 0 finished, 3 failed with an exception.</summary>
    public static int RunChild(string path)
    {
        var report = new CanaryReport(false, null, [], 0, 0, false, null);
        try
        {
            report.Write(path);
            TorchRuntime.EnsureLoaded(nameof(CanaryReport));
            report = report with { Loaded = true };
            report.Write(path);
            var (cases, onednn, reference) = OneDnnCanary.Run((name, done) => (report = report with { Running = name, Cases = [.. done] }).Write(path));
            (report with { Running = null, Cases = cases, OneDnnSeconds = onednn, ReferenceSeconds = reference, Finished = true }).Write(path);
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            (report with { Error = $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0].Trim()}" }).Write(path);
            return 3;
        }
    }

    /// <summary>The report at <paramref name="path"/>; null if there is none or it cannot be read.</summary>
    public static CanaryReport? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<CanaryReport>(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the report whole: a temporary file renamed over <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this));
        File.Move(temporary, path, overwrite: true);
    }
}
