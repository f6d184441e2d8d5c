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
            var signature = OneDnnSignature.Current;
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Machine: {signature.Describe()}");
            var clock = Stopwatch.StartNew();
            var verdict = OneDnn.Verify();
            console.Write(Evidence(verdict));
            string took = $"{clock.Elapsed.TotalSeconds:0.0} s";
            string result = verdict.Passed ? "[green]oneDNN verified[/]" : verdict.Conclusive ? "[red]oneDNN failed[/]" : "[yellow]not checked[/]";
            console.MarkupLine($"{result}: {Markup.Escape(verdict.Summarize())} (check took {took})");
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Verdict cached for signature {signature.Key}; ModelGallery applies it whenever it loads libtorch (MODELGALLERY_ONEDNN=on|off overrides).");
            return verdict.Passed ? 0 : 2;
        });
        return doctor;
    }

    /// <summary>One row per case of each configuration tried (errors relative to the reference output's scale), or one row per configuration that has no cases.</summary>
    private static Table Evidence(OneDnnVerdict verdict)
    {
        var table = new Table().Title("oneDNN against libtorch's reference path (relative errors)")
            .AddColumn("Configuration").AddColumn("Case").AddColumn(new TableColumn("Batch").RightAligned()).AddColumn("Layout")
            .AddColumn(new TableColumn("Forward").RightAligned()).AddColumn(new TableColumn("dInput").RightAligned())
            .AddColumn(new TableColumn("dWeight").RightAligned()).AddColumn(new TableColumn("Tolerance").RightAligned()).AddColumn("Result");
        foreach (var trial in verdict.Trials)
        {
            foreach (var row in trial.Cases)
            {
                table.AddRow(Markup.Escape(trial.Configuration), Markup.Escape(row.Name), row.Batch.ToString(CultureInfo.InvariantCulture),
                    row.ChannelsLast ? "NHWC" : "NCHW", E(row.ForwardError), E(row.InputGradientError), E(row.WeightGradientError), E(row.Tolerance),
                    row.Passed ? "[green]ok[/]" : "[red]wrong[/]");
            }

            string timing = trial.OneDnnSeconds > 0
                ? string.Create(CultureInfo.InvariantCulture, $"oneDNN {trial.OneDnnSeconds:0.00} s, reference {trial.ReferenceSeconds:0.00} s, child {trial.Seconds:0.0} s")
                : string.Create(CultureInfo.InvariantCulture, $"child {trial.Seconds:0.0} s");
            table.AddRow(Markup.Escape(trial.Configuration), $"[bold]{trial.Outcome}[/]", string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
                Markup.Escape($"{trial.Detail}; {timing}"));
        }

        return table;
    }

    private static string E(double value) => value.ToString("0.0e0", CultureInfo.InvariantCulture);
}
