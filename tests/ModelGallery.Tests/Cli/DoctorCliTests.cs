using System.Text.Json;
using ModelGallery.Native;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// <c>gallery doctor</c> end to end (the real canary in real child processes, on this machine), and a cached verdict
/// applied by a fresh process as oneDNN itself reports it (<c>ONEDNN_VERBOSE</c>).
/// </summary>
public sealed class DoctorCliTests : TempFolder
{
    [Fact]
    [Trait("Category", "Slow")]
    public void Doctor_prints_the_evidence_caches_the_verdict_and_exits_by_it()
    {
        var (exit, output, error) = GalleryProcess.Run(["doctor"], new Dictionary<string, string> { ["MODELGALLERY_HOME"] = Folder });

        string file = Directory.GetFiles(Path.Combine(Folder, "onednn"), "*.json").Should().ContainSingle().Subject;
        using var verdict = JsonDocument.Parse(File.ReadAllText(file));
        var trials = verdict.RootElement.GetProperty("Trials").EnumerateArray().ToList();
        bool passed = trials.Any(t => t.GetProperty("Outcome").GetString() == "Correct");
        exit.Should().Be(passed ? 0 : 2, error);
        output.Should().Contain("oneDNN against libtorch's reference path").And.Contain("11x11/4 3→64 127²").And.Contain("1x1/2").And.Contain("NHWC");
        output.Should().Contain(passed ? "oneDNN verified" : "oneDNN failed");
        trials[0].GetProperty("Cases").GetArrayLength().Should().Be(36, "9 shapes × 2 batches × 2 layouts when the first run finishes");
    }

    [SkippableFact]
    public void A_cached_verdict_that_passed_with_a_cap_turns_oneDNN_on_with_that_cap_before_its_first_use()
    {
        Skip.IfNot(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "oneDNN reports the AVX2 cap only where the processor has AVX2");
        var environment = new Dictionary<string, string> { ["MODELGALLERY_HOME"] = Folder, ["ONEDNN_VERBOSE"] = "1" };
        var passed = new OneDnnCaseResult("5x5/1 1→6 32²", 16, false, 1e-7, 1e-7, 1e-7, 1e-4);
        new OneDnnVerdictCache(environment).Write(new OneDnnVerdict(OneDnnSignature.Current, DateTimeOffset.UtcNow,
            [new(null, OneDnnOutcome.Crashed, "by hand", 1, 0, 0, []), new("AVX2", OneDnnOutcome.Correct, "by hand", 1, 1, 1, [passed])]));

        var (exit, output, error) = GalleryProcess.Run(["summary", "lenet5", "--batch", "2"], environment);

        exit.Should().Be(0, error);
        output.Should().Contain("isa:Intel AVX2", "oneDNN read the cap ModelGallery set with setenv at load")
            .And.MatchRegex("exec,cpu,convolution,[^,]*avx2", "LeNet-5's convolutions ran through oneDNN even with the L3 rule's limit exceeded");
    }
}
