using System.Diagnostics;
using System.Reflection;

namespace ModelGallery.Benchmarks;

/// <summary>Runs the Python side (Reference/*.py) with Debian's python, the one that sees python3-torch.</summary>
internal static class Reference
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs Reference/<paramref name="script"/> with <paramref name="arguments"/>; throws with <paramref name="needs"/> when it fails.</summary>
    public static void Run(string script, IEnumerable<string> arguments, string needs)
    {
        string path = Path.Combine(RepoRoot, "tests", "ModelGallery.Benchmarks", "Reference", script);
        var start = new ProcessStartInfo(Python) { ArgumentList = { path } };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Python}.");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Reference/{script} failed (exit {process.ExitCode}); it needs {needs} and {Python}.");
        }
    }

    private static string RepoRoot => typeof(Reference).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
}
