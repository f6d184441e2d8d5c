using System.Globalization;
using Polly;
using Polly.Retry;

namespace ModelGallery.Hub;

/// <summary>
/// Downloads weight files into a <see cref="WeightsCache"/>, once: the bytes go to <c>&lt;name&gt;.partial</c> beside
/// the final file, their SHA-256 is checked against <see cref="WeightsFile.Sha256Prefix"/>, and only then is the
/// partial renamed to the final name, so a file under that name is always whole and right.
/// </summary>
/// <remarks>
/// Transient failures (HTTP 5xx, 408, 429, connection errors and breaks, timeouts) are retried by a Polly retry
/// pipeline with exponential backoff, each attempt resuming the partial file with an HTTP Range request; other statuses
/// fail at once. An interrupted or cancelled download keeps its partial file, and the next call resumes it. Threads and
/// processes asking for the same file take turns on the lock file <c>&lt;name&gt;.lock</c>; one downloads, the others
/// find the file in the cache when their turn comes, and are told who holds the lock meanwhile
/// (<see cref="DownloadProgress.WaitingFor"/>).
/// Bounds: a file never grows past <see cref="WeightsFile.MaxBytes"/> (or the announced length); an attempt slower
/// than <see cref="WeightsDownloadOptions.MinimumBytesPerSecond"/> fails; the whole call, lock wait included, ends at
/// <see cref="WeightsDownloadOptions.Deadline"/>. The partial, lock and owner files are never written through a link.
/// </remarks>
public sealed class WeightsDownloader : IDisposable
{
    private readonly WeightsCache cache;
    private readonly WeightsDownloadOptions options;
    private readonly HttpClient client;
    private readonly bool ownsClient;
    private readonly ResiliencePipeline retries;
    private readonly Uri? mirror;
    private bool disposed;

    /// <summary>A downloader into <paramref name="cache"/>.</summary>
    /// <param name="cache">Where files are looked for and saved.</param>
    /// <param name="options">How to reach the server; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range, or <c>MODELGALLERY_WEIGHTS_URL</c> is not an http(s) URL (the message names which).</exception>
    public WeightsDownloader(WeightsCache cache, WeightsDownloadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        this.cache = cache;
        this.options = (options ?? new WeightsDownloadOptions()).Validated();
        mirror = this.options.BaseUrl ?? MirrorFromEnvironment(cache);
        ownsClient = this.options.HttpClient is null;
        // Redirects are followed by Transfer, which refuses any but http(s) naming where they led.
        client = this.options.HttpClient ?? new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        retries = this.options.Retries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is DownloadAttemptException { IsTransient: true }),
                MaxRetryAttempts = this.options.Retries,
                Delay = this.options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                MaxDelay = TimeSpan.FromMinutes(1),
            })
            .Build();
    }

    /// <summary>Where files are looked for and saved.</summary>
    public WeightsCache Cache => cache;

    /// <summary>
    /// The local path of <paramref name="file"/>: found in the cache (the gallery's, then PyTorch's) without any
    /// request, or downloaded, checked and saved under <see cref="WeightsCache.PathOf"/>.
    /// </summary>
    /// <param name="file">The weight file.</param>
    /// <param name="progress">Told how far the download has come (at most every 100 ms, and once at the end).</param>
    /// <param name="cancellationToken">Stops the download (or the wait for another's); the partial file stays for the next call.</param>
    /// <exception cref="WeightsDownloadException">
    /// The server refused the file, the retries ran out, the bytes are not the expected file, the file outgrew its
    /// budget, the deadline passed (downloading, or waiting for another download's lock, whose holder the message
    /// names), a cached entry is not a regular file or does not match, or the cache folder cannot be written; nothing
    /// is left under the final name.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string> GetAsync(WeightsFile file, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (cache.Find(file) is { } cached)
        {
            return cached;
        }

        Uri url = SourceOf(file);
        string target = cache.PathOf(file);
        string lockPath = target + ".lock";
        using var deadline = new CancellationTokenSource(options.Deadline);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        string? holder = null;
        bool locked = false;
        try
        {
            Directory.CreateDirectory(cache.Directory);
            await using var held = await FileLock.AcquireAsync(lockPath, options.LockPollInterval, owner =>
            {
                holder = owner ?? "an unknown holder";
                long partial = File.Exists(target + ".partial") ? new FileInfo(target + ".partial").Length : 0;
                progress?.Report(new DownloadProgress(partial, null, 0) { WaitingFor = holder });
            }, call.Token).ConfigureAwait(false);
            locked = true;
            if (cache.Find(file) is { } arrived)
            {
                return arrived; // another thread or process downloaded it while this one waited
            }

            await DownloadAsync(file, url, target, progress, call.Token).ConfigureAwait(false);
            return target;
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            string seconds = string.Create(CultureInfo.InvariantCulture, $"{options.Deadline.TotalSeconds:0.###} s");
            throw new WeightsDownloadException(locked
                ? $"Cannot download {url}: it did not finish within the deadline of {seconds} (WeightsDownloadOptions.Deadline); the partial file is kept for the next call. {WeightsDownloadException.ByHand(url, target)}"
                : $"Gave up waiting for {lockPath} after the deadline of {seconds} (WeightsDownloadOptions.Deadline): another download of {file.FileName} holds it ({holder ?? "an unknown holder"}) and is still running (a lock ends with its process). Try again later or allow a longer deadline. {WeightsDownloadException.ByHand(url, target)}",
                url, target, innerException: e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not WeightsDownloadException)
        {
            throw new WeightsDownloadException(
                $"Cannot save {url} in the cache folder {cache.Directory}: {e.Message} {WeightsDownloadException.ByHand(url, target)}", url, target, innerException: e);
        }
    }

    /// <summary>The URL <paramref name="file"/> is requested from: its own, or the mirror's base URL followed by its file name.</summary>
    /// <param name="file">The weight file.</param>
    public Uri SourceOf(WeightsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (mirror is null)
        {
            return file.Url;
        }

        string text = mirror.AbsoluteUri;
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), Uri.EscapeDataString(file.FileName));
    }

    /// <summary>Disposes the HTTP client if the downloader made it.</summary>
    public void Dispose()
    {
        if (!disposed && ownsClient)
        {
            client.Dispose();
        }

        disposed = true;
    }

    private static Uri? MirrorFromEnvironment(WeightsCache cache)
    {
        if (cache.Variable("MODELGALLERY_WEIGHTS_URL") is not { } variable)
        {
            return null;
        }

        return Uri.TryCreate(variable, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ArgumentException($"Expected MODELGALLERY_WEIGHTS_URL to be an absolute http or https URL; received '{variable}'."); // no parameter: an environment variable is wrong
    }

    /// <summary>
    /// Downloads into the partial file with retries, checks its hash, and renames it to <paramref name="target"/>. When
    /// a resumed partial turns out wrong (bytes left by something else), the file is downloaded once more from zero.
    /// </summary>
    private async Task DownloadAsync(WeightsFile file, Uri url, string target, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string partial = target + ".partial";
        bool resumed = NoFollow.IsRegularFile(partial) && new FileInfo(partial).Length > 0;
        string actual = await TransferAsync(file, url, target, partial, progress, cancellationToken).ConfigureAwait(false);
        if (resumed && !actual.StartsWith(file.Sha256Prefix, StringComparison.Ordinal))
        {
            File.Delete(partial); // the kept bytes were not the file's start: once more, from zero
            actual = await TransferAsync(file, url, target, partial, progress, cancellationToken).ConfigureAwait(false);
        }

        if (!actual.StartsWith(file.Sha256Prefix, StringComparison.Ordinal))
        {
            File.Delete(partial);
            throw new WeightsDownloadException(
                $"The file downloaded from {url} is not the expected one: its SHA-256 is {actual}, which does not start with {file.Sha256Prefix}. "
                + $"It was deleted and nothing was saved as {target}. {WeightsDownloadException.ByHand(url, target)}",
                url, target);
        }

        try
        {
            File.Move(partial, target, overwrite: false);
            WeightsCache.Remember(target, actual);
        }
        catch (IOException) when (NoFollow.Exists(target))
        {
            File.Delete(partial); // placed by hand meanwhile, outside the lock: keep that one (Find checks it)
        }
    }

    /// <summary>The attempts (retried) that fill the partial file; returns its SHA-256.</summary>
    private async Task<string> TransferAsync(WeightsFile file, Uri url, string target, string partial, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var transfer = new Transfer(client, url, partial, file.MaxBytes, options, progress);
        try
        {
            await retries.ExecuteAsync(static (transfer, token) => transfer.RunAttemptAsync(token), transfer, cancellationToken).ConfigureAwait(false);
        }
        catch (DownloadAttemptException e)
        {
            string tries = e.IsTransient && options.Retries > 0 ? string.Create(CultureInfo.InvariantCulture, $" (after {options.Retries + 1} attempts)") : string.Empty;
            throw new WeightsDownloadException(
                $"Cannot download {url}: {e.Message}{tries}. {WeightsDownloadException.ByHand(url, target)}", url, target, e.StatusCode, e);
        }

        return WeightsCache.Sha256Of(partial);
    }
}
