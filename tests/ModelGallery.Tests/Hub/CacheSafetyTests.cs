using System.Diagnostics;
using System.Security.Cryptography;
using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>
/// Files the downloader must not follow or trust (issue 27 item 5) and recoveries within one call (item 12): links
/// at the partial, lock and owner names are removed, never written through; a cache entry is used only as a regular
/// file whose SHA-256 matches; a garbage partial and a redirect off the web are dealt with in the same call.
/// </summary>
public sealed class CacheSafetyTests : HubTest
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [SkippableTheory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task A_link_at_the_partial_name_is_replaced_and_its_target_left_untouched(int victimLength)
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need a privilege on Windows");
        var (file, content) = Server.Add("linked", 300_000);
        string victim = Path.Combine(Folder, "victim.bin");
        byte[] victimBytes = RandomNumberGenerator.GetBytes(victimLength);
        File.WriteAllBytes(victim, victimBytes);
        Directory.CreateDirectory(Cache.Directory);
        File.CreateSymbolicLink(Cache.PathOf(file) + ".partial", victim);

        string path = await Downloader().GetAsync(file).WaitAsync(Bound);

        File.ReadAllBytes(victim).Should().Equal(victimBytes, "the link's target is neither truncated, overwritten nor appended to");
        new FileInfo(path).LinkTarget.Should().BeNull("the cache entry is a file of its own, not a link to the target");
        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Should().ContainSingle().Which.Range.Should().BeNull("nothing read through the link is resumed");
    }

    [SkippableFact]
    public async Task Links_at_the_lock_and_owner_names_are_never_written_through()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need a privilege on Windows");
        var (file, content) = Server.Add("lockedlink", 1000);
        string victim = Path.Combine(Folder, "victim.txt");
        File.WriteAllText(victim, "keep me");
        Directory.CreateDirectory(Cache.Directory);
        File.CreateSymbolicLink(Cache.PathOf(file) + ".lock", victim);
        File.CreateSymbolicLink(Cache.PathOf(file) + ".lock.owner", victim);

        string path = await Downloader().GetAsync(file).WaitAsync(Bound);

        File.ReadAllText(victim).Should().Be("keep me");
        File.ReadAllBytes(path).Should().Equal(content);
    }

    [SkippableFact]
    public void A_cache_entry_that_is_a_link_is_refused_even_to_the_right_bytes()
    {
        Skip.If(OperatingSystem.IsWindows(), "symbolic links need a privilege on Windows");
        var (file, content) = Server.Add("entrylink", 1000);
        string elsewhere = Path.Combine(Folder, "elsewhere.pth");
        File.WriteAllBytes(elsewhere, content);
        Directory.CreateDirectory(Cache.Directory);
        File.CreateSymbolicLink(Cache.PathOf(file), elsewhere);

        var failure = FluentActions.Invoking(() => Cache.Find(file)).Should().Throw<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(Cache.PathOf(file)).And.Contain("not a regular file");
        new FileInfo(Cache.PathOf(file)).LinkTarget.Should().Be(elsewhere, "the entry is refused, not removed");
    }

    [SkippableFact]
    public void A_cache_entry_that_is_a_pipe_is_refused_without_blocking()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mkfifo");
        var (file, _) = Server.Add("entrypipe", 1000);
        Directory.CreateDirectory(Cache.Directory);
        using (var mkfifo = Process.Start("mkfifo", [Cache.PathOf(file)]))
        {
            mkfifo.WaitForExit();
        }

        var failure = FluentActions.Invoking(() => Cache.Find(file)).Should().Throw<WeightsDownloadException>();

        failure.Which.Message.Should().Contain("not a regular file");
    }

    [Fact]
    public async Task A_cached_file_whose_hash_does_not_match_is_refused_naming_both_hashes()
    {
        var (file, _) = Server.Add("tampered", 1000);
        byte[] other = RandomNumberGenerator.GetBytes(1000);
        Directory.CreateDirectory(Cache.Directory);
        File.WriteAllBytes(Cache.PathOf(file), other);

        var failure = await FluentActions.Awaiting(() => Downloader().GetAsync(file).WaitAsync(Bound)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(Cache.PathOf(file)).And.Contain(Convert.ToHexStringLower(SHA256.HashData(other))).And.Contain(file.Sha256Prefix);
        File.ReadAllBytes(Cache.PathOf(file)).Should().Equal(other, "the user's file is left for the user to remove");
        Server.Requests.Should().BeEmpty();
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(300_000)]
    public async Task A_garbage_partial_is_downloaded_again_from_zero_in_the_same_call(int garbageLength)
    {
        var (file, content) = Server.Add("garbage", 300_000);
        Directory.CreateDirectory(Cache.Directory);
        File.WriteAllBytes(Cache.PathOf(file) + ".partial", RandomNumberGenerator.GetBytes(garbageLength));

        string path = await Downloader().GetAsync(file).WaitAsync(Bound);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.RequestsFor(file).Select(r => r.Range).Should().Equal($"bytes={garbageLength}-", null);
    }

    [Fact]
    public async Task An_http_redirect_is_followed_with_the_range()
    {
        var (file, content) = Server.Add("moved", 300_000, new Fault(DropAfter: 100_000));
        Server.AddFaults(file, new Fault(RedirectTo: new Uri(Server.Root, "elsewhere/" + file.FileName).AbsoluteUri));

        string path = await Downloader().GetAsync(file).WaitAsync(Bound);

        File.ReadAllBytes(path).Should().Equal(content);
        Server.Requests.Select(r => (r.Path, r.Range)).Should().Equal(
            ("/models/" + file.FileName, null), ("/models/" + file.FileName, "bytes=100000-"), ("/elsewhere/" + file.FileName, "bytes=100000-"));
    }

    [Fact]
    public async Task A_redirect_to_a_file_url_is_a_download_error_naming_it()
    {
        var (file, _) = Server.Add("redirected", 1000, new Fault(RedirectTo: "file:///etc/passwd"));

        var failure = await FluentActions.Awaiting(() => Downloader(retries: 2).GetAsync(file).WaitAsync(Bound)).Should().ThrowAsync<WeightsDownloadException>();

        failure.Which.Message.Should().Contain(file.Url.AbsoluteUri).And.Contain("file:///etc/passwd").And.Contain("not an http or https URL");
        Server.RequestsFor(file).Should().ContainSingle("a redirect off the web is not retried");
    }
}
