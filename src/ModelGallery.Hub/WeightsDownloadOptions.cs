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
    /// attempt fails as a timeout and is retried (resuming where it stopped). It bounds silence, not the whole
    /// transfer, so large files on slow links are not cut off. Default 30 s.
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
    /// or tests); its own <see cref="HttpClient.Timeout"/> still applies to each request's headers. When null, the
    /// downloader makes and owns one.
    /// </summary>
    public HttpClient? HttpClient { get; init; }

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
        if (BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"Expected an absolute http or https base URL; received '{url}'.", nameof(BaseUrl));
        }

        return this;
    }
}
