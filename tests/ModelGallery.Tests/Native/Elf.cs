using System.Diagnostics;

namespace ModelGallery.Tests.Native;

/// <summary>Reads ELF version requirements with binutils' readelf, independently of the MSBuild task that writes them.</summary>
internal static class Elf
{
    public const string Version = "GLIBCXX_3.4.32";

    /// <summary>The flags readelf prints for the requirement <see cref="Version"/> ("none", "WEAK", …).</summary>
    public static string RequirementFlags(string library)
    {
        string output = Run("readelf", "-V", "--wide", library);
        string line = output.Split('\n').Single(l => l.Contains($"Name: {Version} ", StringComparison.Ordinal));
        return line[(line.IndexOf("Flags: ", StringComparison.Ordinal) + "Flags: ".Length)..].Split("  ")[0].Trim();
    }

    public static string NuGetCacheCopy()
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    public static string OutputCopy() => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        // No lingering MSBuild nodes or servers: they would keep the output pipes open after the build.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }

        return stdout.Result;
    }
}
