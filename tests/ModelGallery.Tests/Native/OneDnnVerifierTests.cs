using System.Diagnostics;
using ModelGallery.Native;
using static ModelGallery.Tests.Native.OneDnnFakes;

namespace ModelGallery.Tests.Native;

/// <summary>
/// The verifier with stand-in children (shell scripts that write a report like the canary's, then crash, fail, hang
/// or finish): a crash after libtorch loaded is a failed configuration, a death before it is no evidence.
/// </summary>
public sealed class OneDnnVerifierTests
{
    /// <summary>A report saying libtorch loaded and the 7x7/2 case is running.</summary>
    private const string Running = """{"Loaded":true,"Running":"7x7/2 3\u219264 64\u00b2 b16 NHWC","Cases":[],"OneDnnSeconds":0,"ReferenceSeconds":0,"Finished":false,"Error":null}""";

    private static OneDnnVerifier Shell(string script, double timeoutSeconds = 60) =>
        new(() => (new ProcessStartInfo("/bin/sh", ["-c", script]), null), TimeSpan.FromSeconds(timeoutSeconds));

    private static string Report(string json) => $"printf '%s' '{json}' > \"$MODELGALLERY_ONEDNN_CANARY\"";

    [SkippableFact]
    public void A_child_killed_by_SIGFPE_after_loading_libtorch_is_a_crash_and_every_cap_is_tried()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a POSIX shell and signals");

        var verdict = Shell($"{Report(Running)}; kill -FPE $$").Verify(Machine, ["AVX512_CORE", "AVX2"]);

        verdict.Trials.Select(t => (t.IsaCap, t.Outcome)).Should().Equal((null, OneDnnOutcome.Crashed), ("AVX512_CORE", OneDnnOutcome.Crashed), ("AVX2", OneDnnOutcome.Crashed));
        verdict.Trials[0].Detail.Should().Contain("SIGFPE").And.Contain("during 7x7/2");
        verdict.Passed.Should().BeFalse();
        verdict.Conclusive.Should().BeTrue("a crash is evidence");
    }

    [SkippableFact]
    public void A_child_that_fails_with_an_exit_code_after_loading_libtorch_is_a_crash()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a POSIX shell");

        var trial = Shell($"{Report(Running)}; echo 'terminate called: could not create a primitive' >&2; exit 1").RunTrial(null);

        trial.Outcome.Should().Be(OneDnnOutcome.Crashed);
        trial.Detail.Should().Contain("exit code 1").And.Contain("could not create a primitive");
    }

    [SkippableFact]
    public void A_child_that_dies_before_loading_libtorch_is_no_evidence_and_no_cap_is_tried()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a POSIX shell");

        var verdict = Shell("exit 4").Verify(Machine, ["AVX512_CORE", "AVX2"]);

        verdict.Trials.Should().ContainSingle().Which.Outcome.Should().Be(OneDnnOutcome.NotRun);
        verdict.Conclusive.Should().BeFalse();
        verdict.Summarize().Should().Contain("could not run").And.Contain("exit code 4");
    }

    [SkippableFact]
    public void A_child_that_hangs_is_stopped_and_counts_as_failed()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a POSIX shell");

        var trial = Shell($"{Report(Running)}; sleep 60", timeoutSeconds: 2).RunTrial(null);

        trial.Outcome.Should().Be(OneDnnOutcome.TimedOut);
        trial.Detail.Should().Contain("during 7x7/2");
    }

    [SkippableFact]
    public void When_oneDNN_fails_uncapped_the_cap_that_passes_is_kept_and_the_child_sees_it()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "a POSIX shell");
        string finished = """{"Loaded":true,"Running":null,"Cases":[{"Name":"1x1/1","Batch":16,"ChannelsLast":true,"ForwardError":ERR,"InputGradientError":0,"WeightGradientError":0,"Tolerance":0.0001}],"OneDnnSeconds":1,"ReferenceSeconds":2,"Finished":true,"Error":null}""";
        string script = $"""
            if [ "$ONEDNN_MAX_CPU_ISA" = "AVX2" ]; then {Report(finished.Replace("ERR", "1e-6", StringComparison.Ordinal))};
            else {Report(finished.Replace("ERR", "0.11", StringComparison.Ordinal))}; fi
            """;

        var verdict = Shell(script).Verify(Machine, ["AVX512_CORE", "AVX2"]);

        verdict.Trials.Select(t => t.Outcome).Should().Equal(OneDnnOutcome.Wrong, OneDnnOutcome.Wrong, OneDnnOutcome.Correct);
        verdict.IsaCap.Should().Be("AVX2");
        verdict.Trials[0].Detail.Should().Contain("0/1 cases").And.Contain("1.1e-1");
    }

    [Fact]
    public void A_finished_report_with_one_case_out_of_tolerance_is_wrong()
    {
        var report = new CanaryReport(true, null, [Case(1e-6), Case(0.02, "5x5/1 64→192 13²", 1, false)], 1, 2, true, null);

        var trial = OneDnnVerifier.Classify("AVX2", exited: true, exitCode: 0, report, null, 3);

        trial.Outcome.Should().Be(OneDnnOutcome.Wrong);
        trial.Detail.Should().Contain("1/2 cases").And.Contain("5x5/1 64→192 13² b1 NCHW");
    }

    [Fact]
    public void A_NaN_error_fails_its_case()
    {
        Case(double.NaN).Passed.Should().BeFalse();
    }
}
