using System.Text.Json;
using ModelGallery.IO;

namespace ModelGallery.Native;

/// <summary>
/// Where oneDNN verdicts are kept, one JSON file per <see cref="OneDnnSignature.Key"/>, under the root the weights
/// cache uses: <c>$MODELGALLERY_HOME/onednn</c>, else <c>$XDG_CACHE_HOME/modelgallery/onednn</c>, else
/// <c>%LOCALAPPDATA%\modelgallery\onednn</c> on Windows, else <c>~/.cache/modelgallery/onednn</c>.
/// </summary>
/// <param name="environment">The variables to read instead of the process's (tests); null for the process's.</param>
internal sealed class OneDnnVerdictCache(IReadOnlyDictionary<string, string>? environment = null)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The folder of the verdict files.</summary>
    public string Directory { get; } = Root(environment);

    /// <summary>The file holding the verdict for <paramref name="signature"/>.</summary>
    public string PathFor(OneDnnSignature signature) => Path.Combine(Directory, $"{signature.Key}.json");

    /// <summary>
    /// The cached verdict for <paramref name="signature"/>: none (and no problem) if there is no file; none with the
    /// problem if the file cannot be read, is not a verdict, is inconclusive or was made for another signature.
    /// </summary>
    public (OneDnnVerdict? Verdict, string? Problem) Read(OneDnnSignature signature)
    {
        string path = PathFor(signature);
        if (!File.Exists(path))
        {
            return (null, null);
        }

        try
        {
            var verdict = JsonSerializer.Deserialize<OneDnnVerdict>(File.ReadAllText(path), Options);
            string? problem = verdict is null || verdict.Signature is null || verdict.Trials is null || verdict.Trials.Any(t => t is null || t.Cases is null)
                ? "it is not a verdict"
                : verdict.Signature != signature ? $"it was made for another machine or libtorch ({verdict.Signature.Describe()})"
                : !verdict.Conclusive ? "it is inconclusive"
                : null;
            return problem is null ? (verdict, null) : (null, $"the cached oneDNN verdict '{path}' is refused: {problem}");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return (null, $"the cached oneDNN verdict '{path}' is refused: {e.Message.Split('\n', 2)[0].Trim()}");
        }
    }

    /// <summary>Writes <paramref name="verdict"/> whole (an inconclusive one is not written).</summary>
    /// <exception cref="IOException">The cache folder cannot be written.</exception>
    public void Write(OneDnnVerdict verdict)
    {
        if (!verdict.Conclusive)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        AtomicFile.Write(PathFor(verdict.Signature), stream => JsonSerializer.Serialize(stream, verdict, Options));
    }

    private static string Root(IReadOnlyDictionary<string, string>? environment)
    {
        string? Variable(string name) =>
            (environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name)) is { Length: > 0 } value ? value : null;

        if (Variable("MODELGALLERY_HOME") is { } home)
        {
            return Path.Combine(home, "onednn");
        }

        if (Variable("XDG_CACHE_HOME") is { } xdg)
        {
            return Path.Combine(xdg, "modelgallery", "onednn");
        }

        if (OperatingSystem.IsWindows() && (Variable("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)) is { Length: > 0 } local)
        {
            return Path.Combine(local, "modelgallery", "onednn");
        }

        string user = Variable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(user, ".cache", "modelgallery", "onednn");
    }
}
