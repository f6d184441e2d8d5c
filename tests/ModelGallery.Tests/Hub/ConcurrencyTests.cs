using System.Diagnostics;
using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>Cancellation, and several downloaders asking for one file at once: one download, and everyone gets the file.</summary>
public sealed class ConcurrencyTests : HubTest
{
    [Fact]
    public async Task Cancelling_stops_promptly_keeps_the_partial_and_saves_nothing_under_the_name()
    {
        var (file, content) = Server.Add("cancel", 300_000, new Fault(StallAfter: 100_000));
        using var cancel = new CancellationTokenSource();
        var downloading = Downloader(timeoutSeconds: 30).GetAsync(file, cancellationToken: cancel.Token);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            // Cancel once the 100,000 bytes are on disk (the partial is written unbuffered), not after a guessed time.
            while (!(File.Exists(Cache.PathOf(file) + ".partial") && new FileInfo(Cache.PathOf(file) + ".partial").Length == 100_000))
            {
                await Task.Delay(20, limit.Token);
            }
        }

        var clock = Stopwatch.StartNew();
        await cancel.CancelAsync();
        await FluentActions.Awaiting(() => downloading).Should().ThrowAsync<OperationCanceledException>();

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the server stalls (and the timeout is 30 s): only the cancellation can end the call this early; 10 s leaves room for a loaded CI machine");
        File.Exists(Cache.PathOf(file)).Should().BeFalse();
        new FileInfo(Cache.PathOf(file) + ".partial").Length.Should().Be(100_000);

        string path = await Downloader().GetAsync(file);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Select(r => r.Range).Should().Equal(null, "bytes=100000-");
    }

    [Fact]
    public async Task Two_threads_asking_for_one_file_make_one_download()
    {
        var (file, content) = Server.Add("shared", 300_000, new Fault(StallBefore: TimeSpan.FromMilliseconds(500)));
        using var start = new Barrier(2);
        Task<string> Ask() => Task.Run(() =>
        {
            start.SignalAndWait();
            return Downloader().GetAsync(file);
        });

        string[] paths = await Task.WhenAll(Ask(), Ask()).WaitAsync(TimeSpan.FromSeconds(8));

        paths.Should().AllBe(Cache.PathOf(file));
        File.ReadAllBytes(paths[0]).Should().Equal(content);
        Server.RequestsFor(file).Should().ContainSingle("the second thread waits on the lock, then finds the file");
    }

    [Fact]
    public async Task A_held_lock_makes_the_downloader_wait_then_find_the_file_its_holder_saved()
    {
        // The lock as another process holds it: FileShare.None on <name>.lock, which .NET enforces across processes
        // (flock on Unix) and between two opens in one process alike.
        var (file, content) = Server.Add("locked");
        Directory.CreateDirectory(Cache.Directory);
        var holder = new FileStream(Cache.PathOf(file) + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var waiting = Downloader().GetAsync(file);
        await Task.Delay(400);
        bool finishedWhileHeld = waiting.IsCompleted;
        File.WriteAllBytes(Cache.PathOf(file), content); // what the holder's download leaves
        await holder.DisposeAsync();
        string path = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        finishedWhileHeld.Should().BeFalse();
        path.Should().Be(Cache.PathOf(file));
        Server.Requests.Should().BeEmpty("the waiting side looks in the cache again once it holds the lock");
    }

    [Fact]
    public async Task A_held_lock_whose_holder_saved_nothing_is_followed_by_a_download()
    {
        var (file, content) = Server.Add("failedholder");
        Directory.CreateDirectory(Cache.Directory);
        var holder = new FileStream(Cache.PathOf(file) + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var waiting = Downloader().GetAsync(file);
        await Task.Delay(200);
        int requestsWhileHeld = Server.Requests.Count;
        await holder.DisposeAsync();
        string path = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        requestsWhileHeld.Should().Be(0);
        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Should().ContainSingle();
    }

    [Fact]
    public async Task Waiting_for_a_held_lock_can_be_cancelled()
    {
        var (file, _) = Server.Add("waitcancel");
        Directory.CreateDirectory(Cache.Directory);
        using var holder = new FileStream(Cache.PathOf(file) + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await FluentActions.Awaiting(() => Downloader().GetAsync(file, cancellationToken: cancel.Token))
            .Should().ThrowAsync<OperationCanceledException>();

        Server.Requests.Should().BeEmpty();
    }
}
