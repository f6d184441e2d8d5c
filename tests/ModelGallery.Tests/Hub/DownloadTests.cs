using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>Downloads that go well: the file arrives once, checked, under its final name, and is found afterwards without a request.</summary>
public sealed class DownloadTests : HubTest
{
    [Fact]
    public async Task A_download_saves_the_checked_file_under_its_name_and_leaves_nothing_else()
    {
        var (file, content) = Server.Add("tiny");
        using var watch = WatchCache();

        string path = await Downloader().GetAsync(file);
        await CacheWatch.SettleAsync();

        path.Should().Be(Path.Combine(Folder, "xdg", "modelgallery", "weights", file.FileName));
        File.ReadAllBytes(path).Should().Equal(content);
        CacheFiles().Should().BeSubsetOf([file.FileName, file.FileName + ".lock"]).And.NotContain(file.FileName + ".partial");
        Server.RequestsFor(file).Should().ContainSingle().Which.Range.Should().BeNull();
        watch.Seen.Where(change => change.EndsWith(" " + file.FileName, StringComparison.Ordinal))
            .Should().Equal([$"renamed {file.FileName}.partial to {file.FileName}"], "the final name appears once, whole, by a rename");
    }

    [Fact]
    public async Task Progress_grows_and_ends_at_the_file_length()
    {
        var (file, content) = Server.Add("progress", length: 2_000_000);
        var progress = new RecordedProgress();

        await Downloader().GetAsync(file, progress);

        var reports = progress.Reports;
        reports.Should().NotBeEmpty();
        reports.Select(r => r.BytesReceived).Should().BeInAscendingOrder();
        reports.Should().OnlyContain(r => r.TotalBytes == content.Length && r.BytesPerSecond >= 0);
        reports[^1].BytesReceived.Should().Be(content.Length);
        reports[^1].Fraction.Should().Be(1.0);
        reports[^1].EstimatedRemaining.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public async Task A_cached_file_is_returned_without_any_request()
    {
        var (file, content) = Server.Add("cached");
        Directory.CreateDirectory(Cache.Directory);
        File.WriteAllBytes(Cache.PathOf(file), content);

        string path = await Downloader().GetAsync(file);

        path.Should().Be(Cache.PathOf(file));
        Server.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task A_second_call_finds_the_first_download_without_a_request()
    {
        var (file, _) = Server.Add("twice");
        var downloader = Downloader();

        string first = await downloader.GetAsync(file);
        string second = await Downloader().GetAsync(file);

        second.Should().Be(first);
        Server.RequestsFor(file).Should().ContainSingle();
    }

    [Fact]
    public async Task A_file_in_pytorchs_cache_is_used_as_it_is_without_any_request()
    {
        var (file, content) = Server.Add("torch");
        string torchFile = Path.Combine(Folder, "torch", "hub", "checkpoints", file.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(torchFile)!);
        File.WriteAllBytes(torchFile, content);

        string path = await Downloader().GetAsync(file);

        path.Should().Be(torchFile);
        Server.Requests.Should().BeEmpty();
        Directory.Exists(Cache.Directory).Should().BeFalse("nothing is copied into the gallery's cache");
    }

    [Fact]
    public async Task A_wrong_file_in_pytorchs_cache_is_ignored_kept_and_the_file_downloaded()
    {
        var (file, content) = Server.Add("torchwrong");
        string torchFile = Path.Combine(Folder, "torch", "hub", "checkpoints", file.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(torchFile)!);
        File.WriteAllBytes(torchFile, [1, 2, 3]);

        string path = await Downloader().GetAsync(file);

        path.Should().Be(Cache.PathOf(file));
        File.ReadAllBytes(path).Should().Equal(content);
        File.ReadAllBytes(torchFile).Should().Equal([1, 2, 3], "PyTorch's cache is never written");
        Server.RequestsFor(file).Should().ContainSingle();
    }

    [Fact]
    public async Task A_base_url_option_replaces_everything_before_the_file_name()
    {
        var (served, content) = Server.Add("mirrored");
        var file = new WeightsFile(new Uri("http://127.0.0.1:9/origin/" + served.FileName), served.FileName, served.Sha256Prefix);
        var downloader = Downloader(baseUrl: new Uri(Server.Root, "mirror/weights"));

        string path = await downloader.GetAsync(file);

        downloader.SourceOf(file).Should().Be(new Uri(Server.Root, "mirror/weights/" + file.FileName));
        File.ReadAllBytes(path).Should().Equal(content);
        Server.Requests.Should().ContainSingle().Which.Path.Should().Be("/mirror/weights/" + file.FileName);
    }

    [Fact]
    public async Task The_mirror_can_come_from_the_environment()
    {
        var (served, content) = Server.Add("envmirror");
        var file = new WeightsFile(new Uri("http://127.0.0.1:9/origin/" + served.FileName), served.FileName, served.Sha256Prefix);
        Environment["MODELGALLERY_WEIGHTS_URL"] = new Uri(Server.Root, "env-mirror/").AbsoluteUri;

        string path = await Downloader().GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.Requests.Should().ContainSingle().Which.Path.Should().Be("/env-mirror/" + file.FileName);
    }

    [Fact]
    public void A_mirror_that_is_not_an_http_url_is_refused_by_name()
    {
        Environment["MODELGALLERY_WEIGHTS_URL"] = "ftp://mirror.example/weights";

        var act = () => Downloader();

        act.Should().Throw<ArgumentException>().WithMessage("*MODELGALLERY_WEIGHTS_URL*http*ftp://mirror.example/weights*");
    }
}
