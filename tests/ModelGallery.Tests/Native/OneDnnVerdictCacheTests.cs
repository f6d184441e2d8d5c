using ModelGallery.Native;
using static ModelGallery.Tests.Native.OneDnnFakes;

namespace ModelGallery.Tests.Native;

/// <summary>The verdict cache: one file per machine signature under the weights cache's root; anything doubtful is refused, never applied.</summary>
public sealed class OneDnnVerdictCacheTests : TempFolder
{
    private OneDnnVerdictCache Cache => new(new Dictionary<string, string> { ["MODELGALLERY_HOME"] = Folder });

    [Fact]
    public void The_folder_follows_the_weights_cache_root()
    {
        Cache.Directory.Should().Be(Path.Combine(Folder, "onednn"));
        new OneDnnVerdictCache(new Dictionary<string, string> { ["XDG_CACHE_HOME"] = Folder }).Directory.Should().Be(Path.Combine(Folder, "modelgallery", "onednn"));
        new OneDnnVerdictCache(new Dictionary<string, string> { ["HOME"] = Folder }).Directory.Should().Be(Path.Combine(Folder, ".cache", "modelgallery", "onednn"));
    }

    [Fact]
    public void A_written_verdict_is_read_back_whole_for_its_signature()
    {
        var verdict = Passing("AVX2");

        Cache.Write(verdict);
        var (read, problem) = Cache.Read(Machine);

        problem.Should().BeNull();
        read.Should().BeEquivalentTo(verdict);
        read!.IsaCap.Should().Be("AVX2");
        File.Exists(Path.Combine(Folder, "onednn", $"{Machine.Key}.json")).Should().BeTrue();
    }

    [Fact]
    public void Nothing_cached_is_a_miss_without_a_problem()
    {
        Cache.Read(Machine).Should().Be(((OneDnnVerdict?)null, (string?)null));
    }

    [Theory]
    [InlineData("stepping")]
    [InlineData("l3")]
    [InlineData("libtorch")]
    [InlineData("processors")]
    public void A_changed_signature_does_not_see_the_old_verdict(string change)
    {
        Cache.Write(Passing());
        var changed = change switch
        {
            "stepping" => Machine with { Stepping = 2 },
            "l3" => Machine with { L3Bytes = 32L << 20 },
            "libtorch" => Machine with { TorchSharp = "0.108.0" },
            _ => Machine with { LogicalProcessors = 4 },
        };

        Cache.Read(changed).Verdict.Should().BeNull();
    }

    [Fact]
    public void A_verdict_filed_under_another_signature_is_refused()
    {
        var other = Machine with { Model = 1 };
        Cache.Write(Verdict(other, Trial(OneDnnOutcome.Correct, cases: Case(1e-6))));
        File.Move(Cache.PathFor(other), Cache.PathFor(Machine));

        var (read, problem) = Cache.Read(Machine);

        read.Should().BeNull();
        problem.Should().Contain("refused").And.Contain("another machine").And.Contain("model 1");
    }

    [Theory]
    [InlineData("{ this is not json")]
    [InlineData("null")]
    [InlineData("{\"Trials\": []}")]
    [InlineData("")]
    public void A_corrupt_file_is_refused_and_the_problem_names_it(string content)
    {
        Directory.CreateDirectory(Cache.Directory);
        File.WriteAllText(Cache.PathFor(Machine), content);

        var (read, problem) = Cache.Read(Machine);

        read.Should().BeNull();
        problem.Should().Contain(Cache.PathFor(Machine)).And.Contain("refused");
    }

    [Fact]
    public void An_inconclusive_verdict_is_not_cached()
    {
        Cache.Write(Verdict(new OneDnnTrial(null, OneDnnOutcome.NotRun, "no child", 0, 0, 0, [])));

        File.Exists(Cache.PathFor(Machine)).Should().BeFalse();
    }
}
