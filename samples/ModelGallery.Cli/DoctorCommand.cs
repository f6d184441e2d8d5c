using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ModelGallery.Native;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary>
/// <c>gallery doctor</c>: checks oneDNN on this machine (<see cref="OneDnn.Verify"/>: the canary in child processes),
/// caches the verdict for the library to apply, and prints the verdict with its evidence. Exit 0 when oneDNN computes
/// correctly in some configuration, 2 when it fails in every configuration or the check cannot run.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var doctor = new Command("doctor", "Check that libtorch's oneDNN computes correctly on this machine, cache the verdict and show the evidence.");
        doctor.SetAction(_ =>
        {
            var clock = Stopwatch.StartNew();
            bool verified = OneDnn.Verify(console.Profile.Out.Writer);
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"The check took {clock.Elapsed.TotalSeconds:0.0} s. The verdict is cached for this machine; ModelGallery applies it whenever it loads libtorch (MODELGALLERY_ONEDNN=on|off overrides).");
            return verified ? 0 : 2;
        });
        return doctor;
    }
}
