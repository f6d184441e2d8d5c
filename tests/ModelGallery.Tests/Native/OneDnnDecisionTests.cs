using ModelGallery.Native;
using static ModelGallery.Tests.Native.OneDnnFakes;

namespace ModelGallery.Tests.Native;

/// <summary>
/// The load-time decision with injected verdicts: the setting wins, then the cached verdict, then (no verdict yet)
/// the conservative L3 rule; <c>verify</c> runs the check only when nothing is cached.
/// </summary>
public sealed class OneDnnDecisionTests
{
    private const long LargeL3 = 320L << 20, SmallL3 = 32L << 20;

    private static readonly Func<OneDnnVerdict> NoCheck = () => throw new InvalidOperationException("the check must not run");

    [Fact]
    public void A_cached_passing_verdict_turns_oneDNN_on_even_where_the_L3_rule_would_not()
    {
        var decision = OneDnnDecision.Make(null, (Passing(), null), LargeL3, NoCheck);

        decision.Should().BeEquivalentTo(new { Enabled = true, IsaCap = (string?)null });
        decision.Reason.Should().StartWith("verified on this machine");
        decision.Verdict.Should().NotBeNull();
    }

    [Fact]
    public void A_verdict_that_passed_only_with_a_cap_keeps_the_cap()
    {
        var decision = OneDnnDecision.Make("auto", (Passing("AVX2"), null), SmallL3, NoCheck);

        decision.Enabled.Should().BeTrue();
        decision.IsaCap.Should().Be("AVX2");
        decision.Reason.Should().Contain("ONEDNN_MAX_CPU_ISA=AVX2");
    }

    [Fact]
    public void A_cached_failing_verdict_turns_oneDNN_off_even_where_the_L3_rule_would_not_and_says_what_failed()
    {
        var decision = OneDnnDecision.Make("", (Failing(), null), SmallL3, NoCheck);

        decision.Enabled.Should().BeFalse();
        decision.Reason.Should().Contain("failed in every configuration").And.Contain("ONEDNN_MAX_CPU_ISA=AVX512_CORE: Crashed");
    }

    [Theory]
    [InlineData(LargeL3, false)]
    [InlineData(256L << 20, true)]
    [InlineData(SmallL3, true)]
    public void Without_a_verdict_the_conservative_L3_rule_decides(long l3, bool enabled)
    {
        var decision = OneDnnDecision.Make(null, (null, null), l3, NoCheck);

        decision.Enabled.Should().Be(enabled);
        decision.Verdict.Should().BeNull();
        decision.Reason.Should().Contain("no oneDNN verdict for this machine yet").And.Contain("gallery doctor");
        if (!enabled)
        {
            decision.Reason.Should().Contain("320 MB").And.Contain("256 MB");
        }
    }

    [Fact]
    public void A_refused_cache_file_counts_as_no_verdict_and_the_reason_says_why()
    {
        var decision = OneDnnDecision.Make(null, (null, "the cached oneDNN verdict 'x.json' is refused: it is not a verdict"), LargeL3, NoCheck);

        decision.Enabled.Should().BeFalse();
        decision.Reason.Should().Contain("is refused: it is not a verdict");
    }

    [Theory]
    [InlineData("off", false)]
    [InlineData(" OFF ", false)]
    [InlineData("0", false)]
    [InlineData("on", true)]
    [InlineData("true", true)]
    public void The_setting_wins_over_any_verdict(string setting, bool enabled)
    {
        var against = enabled ? Failing() : Passing();

        var decision = OneDnnDecision.Make(setting, (against, null), enabled ? LargeL3 : SmallL3, NoCheck);

        decision.Enabled.Should().Be(enabled);
        decision.IsaCap.Should().BeNull();
        decision.Reason.Should().Be($"MODELGALLERY_ONEDNN={(enabled ? "on" : "off")}");
    }

    [Fact]
    public void Verify_runs_the_check_when_nothing_is_cached_and_applies_what_it_found()
    {
        int runs = 0;

        var decision = OneDnnDecision.Make("verify", (null, null), LargeL3, () => { runs++; return Passing("AVX512_CORE"); });

        runs.Should().Be(1);
        decision.Enabled.Should().BeTrue();
        decision.IsaCap.Should().Be("AVX512_CORE");
    }

    [Fact]
    public void Verify_uses_a_cached_verdict_without_checking_again()
    {
        var decision = OneDnnDecision.Make("verify", (Failing(), null), SmallL3, NoCheck);

        decision.Enabled.Should().BeFalse();
    }

    [Fact]
    public void Verify_falls_back_to_the_conservative_rule_when_the_check_could_not_run()
    {
        var inconclusive = Verdict(new OneDnnTrial(null, OneDnnOutcome.NotRun, "startup hooks are off", 0, 0, 0, []));

        var decision = OneDnnDecision.Make("verify", (null, null), LargeL3, () => inconclusive);

        decision.Enabled.Should().BeFalse();
        decision.Reason.Should().Contain("could not run").And.Contain("startup hooks are off").And.Contain("320 MB");
    }

    [Fact]
    public void An_unknown_setting_names_the_accepted_values_and_what_arrived()
    {
        var act = () => OneDnnDecision.Make("maybe", (null, null), SmallL3, NoCheck);

        act.Should().Throw<ArgumentException>().WithMessage("*on, off, verify or auto*'maybe'*");
    }

    [Fact]
    public void The_fastest_passing_configuration_is_kept()
    {
        var verdict = Verdict(Trial(OneDnnOutcome.Wrong, cases: Case(0.1)), Trial(OneDnnOutcome.Correct, "AVX512_CORE", 5, Case(1e-6)),
            Trial(OneDnnOutcome.Correct, "AVX2", 4, Case(1e-6)));

        verdict.IsaCap.Should().Be("AVX2", "its oneDNN cases took 4 s against 5 s");
        verdict.Conclusive.Should().BeTrue();
    }
}
