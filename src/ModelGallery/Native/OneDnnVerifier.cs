using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace ModelGallery.Native;

/// <summary>
/// Runs the oneDNN canary in child processes, one per configuration (oneDNN's own ISA choice, then, if that fails,
/// each <c>ONEDNN_MAX_CPU_ISA</c> cap the processor supports), and turns what they report into a
/// <see cref="OneDnnVerdict"/>. A child that dies after loading libtorch (a divide error is SIGFPE, not an exception)
/// counts as a crash; one that dies before says nothing about oneDNN.
/// </summary>
/// <param name="child">Makes the child's start info (null with a reason where none can be started); the verifier adds the environment.</param>
/// <param name="timeout">How long one child may run.</param>
internal sealed class OneDnnVerifier(Func<(ProcessStartInfo? Start, string? Why)> child, TimeSpan timeout)
{
    /// <summary>The variable that makes a process a canary child: the path of its report file.</summary>
    public const string ChildVariable = "MODELGALLERY_ONEDNN_CANARY";

    /// <summary>The variable oneDNN reads its ISA cap from (once, at its first use).</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The verifier that relaunches this application as the child (see <see cref="Relaunch"/>), 10 minutes per child.</summary>
    public static OneDnnVerifier Default { get; } = new(Relaunch, TimeSpan.FromMinutes(10));

    /// <summary>The ISA caps worth trying on this processor, fastest first.</summary>
    public static IReadOnlyList<string> Caps =>
        [.. Avx512F.IsSupported ? ["AVX512_CORE"] : Array.Empty<string>(), .. Avx2.IsSupported ? ["AVX2"] : Array.Empty<string>()];

    /// <summary>Runs oneDNN's own configuration, then, if it fails (not if it cannot run), each of <paramref name="caps"/>.</summary>
    public OneDnnVerdict Verify(OneDnnSignature signature, IReadOnlyList<string> caps)
    {
        var trials = new List<OneDnnTrial> { RunTrial(null) };
        if (trials[0].Outcome is not (OneDnnOutcome.Correct or OneDnnOutcome.NotRun))
        {
            trials.AddRange(caps.Select(RunTrial));
        }

        return new OneDnnVerdict(signature, DateTimeOffset.UtcNow, trials);
    }

    /// <summary>One child with ISA cap <paramref name="cap"/> (null: none), classified.</summary>
    public OneDnnTrial RunTrial(string? cap)
    {
        var (start, why) = child();
        if (start is null)
        {
            return new OneDnnTrial(cap, OneDnnOutcome.NotRun, why ?? "no child process can be started here", 0, 0, 0, []);
        }

        string report = Path.Combine(Path.GetTempPath(), $"modelgallery-onednn-{Guid.NewGuid():N}.json");
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.Environment[ChildVariable] = report;
        start.Environment["MODELGALLERY_ONEDNN"] = "on"; // the child switches oneDNN itself and must not verify again
        start.Environment.Remove("DNNL_MAX_CPU_ISA");
        if (cap is null)
        {
            start.Environment.Remove(IsaVariable);
        }
        else
        {
            start.Environment[IsaVariable] = cap;
        }

        var clock = Stopwatch.StartNew();
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"'{start.FileName}' did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            bool exited = process.WaitForExit(timeout);
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            return Classify(cap, exited, process.ExitCode, CanaryReport.TryRead(report), LastLine(error.Result), clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return new OneDnnTrial(cap, OneDnnOutcome.NotRun, $"the child process could not be started: {e.Message}", 0, 0, 0, []);
        }
        finally
        {
            File.Delete(report);
            File.Delete(report + ".tmp");
        }
    }

    /// <summary>What a child's end and last report mean.</summary>
    internal static OneDnnTrial Classify(string? cap, bool exited, int exitCode, CanaryReport? report, string? stderr, double seconds)
    {
        var cases = report?.Cases ?? [];
        if (!exited)
        {
            return new(cap, OneDnnOutcome.TimedOut, $"stopped after {seconds:0} s{During(report)}", seconds, 0, 0, cases);
        }

        if (exitCode == 0 && report is { Finished: true })
        {
            var worst = cases.OrderByDescending(c => double.IsNaN(c.MaxError) ? double.PositiveInfinity : c.MaxError).FirstOrDefault();
            string detail = string.Create(CultureInfo.InvariantCulture,
                $"{cases.Count(c => c.Passed)}/{cases.Count} cases within {OneDnnCanary.Tolerance:0e0}, worst {worst?.MaxError:0.0e0} in {worst?.Name} b{worst?.Batch} {(worst?.ChannelsLast == true ? "NHWC" : "NCHW")}");
            return new(cap, cases.Count > 0 && cases.All(c => c.Passed) ? OneDnnOutcome.Correct : OneDnnOutcome.Wrong, detail, seconds,
                report.OneDnnSeconds, report.ReferenceSeconds, cases);
        }

        string how = exitCode > 128 && !OperatingSystem.IsWindows() ? $"killed by {SignalName(exitCode - 128)}" : $"exit code {exitCode}";
        string? said = report?.Error ?? stderr;
        string tail = string.IsNullOrWhiteSpace(said) ? string.Empty : $": {said}";
        return report is { Loaded: true }
            ? new(cap, OneDnnOutcome.Crashed, $"{how}{During(report)}{tail}", seconds, 0, 0, cases)
            : new(cap, OneDnnOutcome.NotRun, $"the child ended before loading libtorch ({how}){tail}", seconds, 0, 0, cases);
    }

    /// <summary>
    /// This application's own command line, to run again with ModelGallery as a startup hook: the hook runs the
    /// canary and exits before the application's Main. Null where that cannot work (startup hooks turned off,
    /// ModelGallery inside a single-file bundle, no process path).
    /// </summary>
    internal static (ProcessStartInfo? Start, string? Why) Relaunch()
    {
        string hook = typeof(OneDnnVerifier).Assembly.Location;
        if (AppContext.TryGetSwitch("System.StartupHookProvider.IsSupported", out bool supported) && !supported)
        {
            return (null, "this application turns .NET startup hooks off (System.StartupHookProvider.IsSupported), which the check's child process needs; run `gallery doctor` instead");
        }

        if (string.IsNullOrEmpty(hook) || Environment.ProcessPath is not { } executable)
        {
            return (null, "ModelGallery is inside a single-file bundle, so it cannot be a startup hook; run `gallery doctor` instead");
        }

        var start = new ProcessStartInfo(executable);
        foreach (string argument in Arguments(executable))
        {
            start.ArgumentList.Add(argument);
        }

        string? others = Environment.GetEnvironmentVariable("DOTNET_STARTUP_HOOKS");
        start.Environment["DOTNET_STARTUP_HOOKS"] = string.IsNullOrEmpty(others) ? hook : hook + Path.PathSeparator + others;
        return (start, null);
    }

    /// <summary>The arguments after the executable: on Linux exactly this process's (host options included), elsewhere the entry assembly under <c>dotnet</c>.</summary>
    private static IEnumerable<string> Arguments(string executable)
    {
        if (OperatingSystem.IsLinux() && File.Exists("/proc/self/cmdline"))
        {
            return File.ReadAllText("/proc/self/cmdline").TrimEnd('\0').Split('\0').Skip(1);
        }

        bool host = Path.GetFileNameWithoutExtension(executable).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        return host ? Environment.GetCommandLineArgs().Take(1) : [];
    }

    private static string During(CanaryReport? report) => report?.Running is { } running ? $" during {running}" : string.Empty;

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    private static string SignalName(int signal) => signal switch
    {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE (an integer divide error)",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        _ => $"signal {signal}",
    };
}
