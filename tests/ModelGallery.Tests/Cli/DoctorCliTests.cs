using System.Text.Json;

namespace ModelGallery.Tests.Cli;

/// <summary><c>gallery doctor</c> end to end: the real canary in real child processes, on this machine.</summary>
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
}
