namespace ModelGallery.Hub;

/// <summary>How a <see cref="WeightsDownloader"/> reaches the server. The defaults suit a desktop on a normal network.</summary>
public sealed class WeightsDownloadOptions
{
    /// <summary>
    /// A mirror: when set, a file is requested from this URL followed by its <see cref="WeightsFile.FileName"/>,
    /// instead of from <see cref="WeightsFile.Url"/>. When null, the environment variable
    /// <c>MODELGALLERY_WEIGHTS_URL</c> (as the cache reads the environment) is used if set.
    /// </summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>
    /// How long one attempt may wait for the response headers, and then for each next piece of the body; a stalled
    /// attempt fails as a timeout and is retried (resuming where it stopped). It bounds silence only; a slow trickle
    /// is bounded by <see cref="MinimumBytesPerSecond"/> and the whole call by <see cref="Deadline"/>. Default 30 s.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times a transient failure (a 5xx, 408 or 429 status, a connection error or break, a timeout) is
    /// retried after the first attempt; 0 for none. Other statuses (404, 403...) are never retried. Default 4.
    /// </summary>
    public int Retries { get; init; } = 4;

    /// <summary>The delay before the first retry; later ones back off exponentially, with jitter. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The client to send requests with, which the downloader does not dispose (for a proxy, a handler of your own,
    /// or tests); its own <see cref="HttpClient.Timeout"/> still applies to each request's headers. The downloader follows
    /// redirects itself (http and https only); a client that follows them first is trusted with them. When null, the
    /// downloader makes and owns one that follows none.
    /// </summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>
    /// How long one <see cref="WeightsDownloader.GetAsync"/> may take in all: waiting for another download of the same
    /// file (the lock), every attempt and every retry delay. Past it the call fails with a
    /// <see cref="WeightsDownloadException"/> (a download keeps its partial file for the next call). Default 2 hours:
    /// the largest catalogued file, VGG-16's 528 MiB, needs about 77 kB/s to arrive in time.
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromHours(2);

    /// <summary>
    /// The slowest transfer accepted, in bytes per second, measured over each <see cref="Timeout"/>-long stretch of an
    /// attempt's body: a server trickling slower fails the attempt (a transient failure, retried with a resume), so a
    /// trickle cannot hold a call until the <see cref="Deadline"/>. Default 10,000 (10 kB/s); 0 turns the rule off.
    /// </summary>
    public long MinimumBytesPerSecond { get; init; } = 10_000;

    /// <summary>How often a downloader waiting for another thread's or process's download of the same file looks again. Default 100 ms.</summary>
    public TimeSpan LockPollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Checks every setting, naming the one that is out of range.</summary>
    internal WeightsDownloadOptions Validated()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfNegative(Retries, nameof(Retries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RetryDelay, TimeSpan.FromDays(1), nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LockPollInterval, TimeSpan.Zero, nameof(LockPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Deadline, TimeSpan.Zero, nameof(Deadline));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Deadline, TimeSpan.FromDays(24), nameof(Deadline)); // CancelAfter's limit is 2^32 - 2 ms
        ArgumentOutOfRangeException.ThrowIfNegative(MinimumBytesPerSecond, nameof(MinimumBytesPerSecond));
        if (BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"Expected an absolute http or https base URL; received '{url}'.", nameof(BaseUrl));
        }

        return this;
    }
}
