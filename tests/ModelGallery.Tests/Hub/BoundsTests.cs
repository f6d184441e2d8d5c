using ModelGallery.Hub;
using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Tests.Hub;

/// <summary>
/// Bounded disk and time on a hostile server (issue 27 items 2 and 3): a byte budget per file, a minimum rate, an
/// overall deadline, and a lock wait that says who holds the lock and ends at the same deadline. Every call here is
/// also bounded by <c>WaitAsync</c>, so a regression fails the test instead of hanging it.
/// </summary>
public sealed class BoundsTests : HubTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> CatalogueFiles => [.. ModelZoo.All.SelectMany(info => info.Weights.Where(w => w.Url is not null)).Select(w => w.Name)];

    [Fact]
    public async Task An_endless_body_stops_at_the_files_budget_and_its_partial_is_deleted()
    {
        var (file, _) = Server.Add("endless", 300_000, new Fault(Endless: true));
        var budgeted = file with { MaxBytes = 400_000 };

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 2).GetAsync(budgeted).WaitAsync(Bound)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("more than 400,000 bytes").And.Contain("MaxBytes");
        File.Exists(Cache.PathOf(file) + ".partial").Should().BeFalse("the partial past the budget is deleted");
        CacheFiles().Should().NotContain(file.FileName);
        Server.RequestsFor(file).Should().ContainSingle("a file over its budget is not retried");
    }

    [Fact]
    public async Task A_length_announced_over_the_budget_is_refused_before_the_body()
    {
        var (file, _) = Server.Add("announced", 300_000);

        var failure = await FluentActions.Awaiting(() => Downloader().GetAsync(file with { MaxBytes = 200_000 }).WaitAsync(Bound)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain("announces 300,000 bytes").And.Contain("200,000");
        File.Exists(Cache.PathOf(file) + ".partial").Should().BeFalse();
    }

    [Theory]
    [MemberData(nameof(CatalogueFiles))]
    public void Every_catalogue_file_has_its_published_size_as_budget_and_it_holds_the_parameters(string name)
    {
        var weights = ModelZoo.All.SelectMany(info => info.Weights.Where(w => w.Url is not null)).Single(w => w.Name == name);

        long budget = weights.ToWeightsFile().MaxBytes;

        weights.Bytes.Should().NotBeNull("the catalogue's sizes are recorded, not guessed");
        budget.Should().Be(weights.Bytes!.Value, "the budget is the recorded size");
        budget.Should().BeGreaterThanOrEqualTo(weights.Parameters * 4, "every parameter is a float32 in the file");
        budget.Should().BeLessThan(WeightsFile.DefaultMaxBytes);
    }

    [Fact]
    public async Task A_trickle_below_the_minimum_rate_fails_the_call()
    {
        var (file, _) = Server.Add("trickle", 5000, [.. Enumerable.Repeat(new Fault(TrickleEvery: TimeSpan.FromMilliseconds(50)), 3)]);

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 1, timeoutSeconds: 0.3, minimumRate: 1000).GetAsync(file).WaitAsync(Bound))
            .Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain("too slow").And.Contain("below the minimum of 1,000 bytes/s").And.Contain("after 2 attempts");
        Server.RequestsFor(file).Should().HaveCount(2);
        CacheFiles().Should().NotContain(file.FileName);
    }

    [Fact]
    public async Task A_call_ends_at_its_deadline_while_bytes_keep_arriving_and_keeps_the_partial()
    {
        var (file, _) = Server.Add("deadline", 5000, new Fault(TrickleEvery: TimeSpan.FromMilliseconds(20)));

        var failure = await FluentActions.Awaiting(() => Downloader(deadlineSeconds: 1, minimumRate: 0).GetAsync(file).WaitAsync(Bound))
            .Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("deadline of 1 s").And.Contain("Deadline");
        failure.Which.InnerException.Should().BeAssignableTo<OperationCanceledException>();
        new FileInfo(Cache.PathOf(file) + ".partial").Length.Should().BePositive("the partial stays for the next call");
    }

    [Fact]
    public async Task A_lock_wait_reports_the_holder_and_ends_at_the_deadline()
    {
        var (file, _) = Server.Add("heldlock", 300_000, new Fault(StallAfter: 1000));
        using var stopHolder = new CancellationTokenSource();
        var holding = Downloader(timeoutSeconds: 30).GetAsync(file, cancellationToken: stopHolder.Token);
        await WaitUntil(() => Server.RequestsFor(file).Length == 1 && File.Exists(Cache.PathOf(file) + ".partial") && new FileInfo(Cache.PathOf(file) + ".partial").Length == 1000);
        var progress = new RecordedProgress();

        var failure = await FluentActions.Awaiting(() => Downloader(deadlineSeconds: 0.5).GetAsync(file, progress).WaitAsync(Bound))
            .Should().ThrowAsync<WeightsDownloadException>();
        await stopHolder.CancelAsync();
        await FluentActions.Awaiting(() => holding.WaitAsync(Bound)).Should().ThrowAsync<OperationCanceledException>();

        string holder = $"process {System.Environment.ProcessId} on {System.Environment.MachineName}, since ";
        failure.Which.Message.Should().Contain($"{Cache.PathOf(file)}.lock").And.Contain("deadline of 0.5 s").And.Contain(holder);
        progress.Reports.Should().NotBeEmpty().And.OnlyContain(r => r.WaitingFor != null && r.WaitingFor.StartsWith(holder, StringComparison.Ordinal));
        progress.Reports[^1].BytesReceived.Should().Be(1000, "a waiter sees the holder's partial file grow");
        Server.RequestsFor(file).Should().ContainSingle("the waiter never downloads");
    }

    [SkippableFact]
    public async Task A_failed_download_leaves_no_lock_or_owner_file()
    {
        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsWindows(), "elsewhere the empty lock file stays (see FileLock)");
        var file = new WeightsFile(new Uri(Server.Root, "models/gone-0123abcd.pth"), "gone-0123abcd.pth", "0123abcd");

        await FluentActions.Awaiting(() => Downloader().GetAsync(file).WaitAsync(Bound)).Should().ThrowAsync<WeightsDownloadException>();

        CacheFiles().Should().BeEmpty("the lock and its owner file go with the download that held them");
    }

    [Fact]
    public async Task A_deleted_lock_file_cannot_be_held_twice()
    {
        // The holder deletes the lock file before releasing it: a waiter that opened the old file must not keep "the"
        // lock while a third downloader holds a new file of that name.
        var (file, content) = Server.Add("relock", 300_000);
        var first = Downloader().GetAsync(file);
        var second = Downloader().GetAsync(file);
        var third = Downloader().GetAsync(file);

        string[] paths = await Task.WhenAll(first, second, third).WaitAsync(Bound);

        paths.Should().AllBe(Cache.PathOf(file));
        File.ReadAllBytes(paths[0]).Should().Equal(content);
        Server.RequestsFor(file).Should().ContainSingle();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
