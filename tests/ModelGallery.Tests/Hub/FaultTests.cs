using System.Net;
using System.Security.Cryptography;
using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>A server that breaks, lies or refuses: each fault is retried, resumed or reported with the URL, the status and the cache path.</summary>
public sealed class FaultTests : HubTest
{
    [Fact]
    public async Task A_connection_dropped_mid_file_is_resumed_with_a_range_request()
    {
        var (file, content) = Server.Add("dropped", 300_000, new Fault(DropAfter: 100_000));

        string path = await Downloader().GetAsync(file);

        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))).Should().StartWith(file.Sha256Prefix);
        File.ReadAllBytes(path).Should().Equal(content);
        var requests = Server.RequestsFor(file);
        requests.Should().HaveCount(2);
        requests[0].Range.Should().BeNull();
        requests[1].Range.Should().MatchRegex(@"^bytes=\d+-$").And.NotBe("bytes=0-");
        File.Exists(path + ".partial").Should().BeFalse();
    }

    [Fact]
    public async Task A_partial_left_by_an_earlier_call_is_resumed_by_the_next()
    {
        var (file, content) = Server.Add("later", 300_000, new Fault(DropAfter: 120_000));

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 0).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();
        long kept = new FileInfo(Cache.PathOf(file) + ".partial").Length;
        string path = await Downloader(retries: 0).GetAsync(file);

        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("connection").And.Contain(Cache.PathOf(file));
        kept.Should().BePositive();
        Server.RequestsFor(file).Select(r => r.Range).Should().Equal(null, $"bytes={kept}-");
        File.ReadAllBytes(path).Should().Equal(content);
    }

    [Fact]
    public async Task A_server_that_ignores_the_range_sends_the_whole_file_again()
    {
        var (file, content) = Server.Add("norange", 300_000, new Fault(DropAfter: 100_000), new Fault(IgnoreRange: true));

        string path = await Downloader().GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file)[1].Range.Should().NotBeNull("the downloader asked to resume; the server answered 200 with everything");
    }

    [Fact]
    public async Task A_complete_partial_answered_with_416_is_checked_and_saved()
    {
        var (file, content) = Server.Add("complete");
        Directory.CreateDirectory(Cache.Directory);
        File.WriteAllBytes(Cache.PathOf(file) + ".partial", content);

        string path = await Downloader().GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Should().ContainSingle().Which.Range.Should().Be($"bytes={content.Length}-");
    }

    [Fact]
    public async Task Wrong_bytes_are_refused_and_leave_neither_the_file_nor_a_partial()
    {
        var (file, _) = Server.Add("wrong");
        byte[] other = RandomNumberGenerator.GetBytes(300_000);
        Server.Replace(file, other);
        using var watch = WatchCache();

        var failure = await FluentActions.Awaiting(() => Downloader().GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();
        await CacheWatch.SettleAsync();

        string actual = Convert.ToHexStringLower(SHA256.HashData(other));
        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain(file.Sha256Prefix).And.Contain(actual)
            .And.Contain($"save it as {Cache.PathOf(file)}");
        failure.Which.CachePath.Should().Be(Cache.PathOf(file));
        failure.Which.StatusCode.Should().BeNull();
        CacheFiles().Should().NotContain([file.FileName, file.FileName + ".partial"]);
        watch.Seen.Should().Contain($"created {file.FileName}.partial").And
            .NotContain(change => change.EndsWith(" " + file.FileName, StringComparison.Ordinal), "the final name never exists, not even for a moment");
        Server.RequestsFor(file).Should().ContainSingle("a wrong file is not a transient failure");
    }

    [Fact]
    public async Task Not_found_is_reported_after_exactly_one_request()
    {
        var file = new WeightsFile(new Uri(Server.Root, "models/missing-0123abcd.pth"), "missing-0123abcd.pth", "0123abcd");

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 3).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("404").And.Contain("Not Found")
            .And.Contain($"download {file.Url} and save it as {Cache.PathOf(file)}");
        failure.Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
        failure.Which.Url.Should().Be(file.Url);
        Server.Requests.Should().ContainSingle();
        CacheFiles().Should().NotContain(file.FileName);
    }

    [Fact]
    public async Task Forbidden_is_not_retried()
    {
        var (file, _) = Server.Add("forbidden", 1000, new Fault(Status: 403));

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 3).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        failure.Which.Message.Should().Contain("403").And.Contain(file.Url.AbsoluteUri).And.NotContain("attempts");
        Server.RequestsFor(file).Should().ContainSingle();
    }

    [Fact]
    public async Task A_server_error_is_retried_then_reported_with_its_status()
    {
        var (file, _) = Server.Add("broken", 1000, [.. Enumerable.Repeat(new Fault(Status: 500), 10)]);

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 2).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();

        Server.RequestsFor(file).Should().HaveCount(3, "one attempt and two retries");
        failure.Which.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("HTTP 500").And.Contain("after 3 attempts")
            .And.Contain(Cache.PathOf(file));
        CacheFiles().Should().NotContain(file.FileName);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(408)]
    public async Task A_transient_status_is_retried_until_the_file_comes(int status)
    {
        var (file, content) = Server.Add("transient", 1000, new Fault(Status: status));

        string path = await Downloader().GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Should().HaveCount(2);
    }

    [Fact]
    public async Task A_stalled_attempt_times_out_and_the_retry_gets_the_file()
    {
        var (file, content) = Server.Add("slow", 1000, new Fault(StallBefore: TimeSpan.FromSeconds(20)));

        string path = await Downloader(timeoutSeconds: 0.3).GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Should().HaveCount(2);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_times_out_and_resumes()
    {
        var (file, content) = Server.Add("stall", 300_000, new Fault(StallAfter: 50_000));

        string path = await Downloader(timeoutSeconds: 0.3).GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file)[1].Range.Should().NotBeNull();
    }

    [Fact]
    public async Task A_server_that_always_stalls_fails_with_a_timeout_naming_the_url()
    {
        var (file, _) = Server.Add("stuck", 1000, [.. Enumerable.Repeat(new Fault(StallBefore: TimeSpan.FromSeconds(20)), 5)]);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 1, timeoutSeconds: 0.2).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("timed out").And.Contain("0.2 s").And.Contain(Cache.PathOf(file));
        failure.Which.StatusCode.Should().BeNull();
        Server.RequestsFor(file).Should().HaveCount(2);
    }

    [Fact]
    public async Task A_cache_folder_that_cannot_be_made_is_reported_with_its_path()
    {
        var (file, _) = Server.Add("nofolder", 1000);
        string blocker = Path.Combine(Folder, "blocker");
        File.WriteAllText(blocker, "a file where the cache folder should be");
        var cache = new WeightsCache(Path.Combine(blocker, "weights"), Environment);

        var failure = await FluentActions.Awaiting(() => Downloader(cache: cache).GetAsync(file)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(cache.Directory).And.Contain(file.Url.AbsoluteUri).And.Contain($"save it as {cache.PathOf(file)}");
        Server.Requests.Should().BeEmpty();
    }
}
