using System.Diagnostics;

namespace ModelGallery.Tests.Cli;

/// <summary>The built <c>gallery</c> executable, run as a user runs it (from the temporary folder, with an environment of the test's choosing).</summary>
internal static class GalleryProcess
{
    /// <summary>Runs <c>gallery</c> with <paramref name="args"/> to the end (at most 3 minutes).</summary>
    public static (int Exit, string Output, string Error) Run(string[] args, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(args, environment).Finish();

    /// <summary>Starts <c>gallery</c>; <see cref="Running.Finish"/> waits for it.</summary>
    public static Running Start(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "gallery"), args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        return new Running(process, args, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    /// <summary>A started <c>gallery</c> process.</summary>
    internal sealed record Running(Process Process, string[] Args, Task<string> Output, Task<string> Error)
    {
        public (int Exit, string Output, string Error) Finish()
        {
            using var process = Process;
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"gallery {string.Join(' ', Args)} did not finish in 3 minutes");
            }

            return (process.ExitCode, Output.Result, Error.Result);
        }
    }
}
