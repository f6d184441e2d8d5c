using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ModelGallery.Hub;

/// <summary>
/// The download of one file into its <c>.partial</c> file, one attempt per <see cref="RunAttemptAsync"/>: each
/// attempt resumes from the partial's length with an HTTP Range request, so retries and later calls continue where
/// the last one stopped. The partial is never written through a link (<see cref="NoFollow"/>), never grows past
/// <paramref name="maxBytes"/> or the announced length, and an attempt slower than the options' minimum rate fails.
/// </summary>
internal sealed class Transfer(HttpClient client, Uri url, string partialPath, long maxBytes, WeightsDownloadOptions options, IProgress<DownloadProgress>? progress)
{
    private readonly TimeSpan timeout = options.Timeout;

    /// <summary>The most redirects one request follows (HttpClient's own default is 50).</summary>
    public const int MaxRedirects = 10;

    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);
    private static readonly ProductInfoHeaderValue UserAgent =
        new("ModelGallery.Hub", typeof(Transfer).Assembly.GetName().Version?.ToString(3) ?? "0");

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long receivedThisCall;
    private TimeSpan? lastReport;

    /// <summary>One request: appends what arrives to the partial file; throws <see cref="DownloadAttemptException"/> on a network failure.</summary>
    public async ValueTask RunAttemptAsync(CancellationToken cancellationToken)
    {
        NoFollow.RemoveIfNotRegular(partialPath); // a link, pipe or device at the name: deleted, never followed
        long existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        if (existing > maxBytes)
        {
            File.Delete(partialPath);
            existing = 0;
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        using var response = await SendAsync(existing, attempt, cancellationToken).ConfigureAwait(false);
        long? total = response.Content.Headers.ContentLength;

        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent when response.Content.Headers.ContentRange is { HasRange: true } range && range.From == existing:
                total = range.Length ?? (total + existing);
                break;
            case HttpStatusCode.PartialContent:
                File.Delete(partialPath);
                throw new DownloadAttemptException($"the server sent a range other than the requested bytes {existing}- (Content-Range: {response.Content.Headers.ContentRange}); the partial file was discarded", transient: true);
            case HttpStatusCode.OK:
                existing = 0; // a server that ignores Range sends the whole file: start again
                break;
            case HttpStatusCode.RequestedRangeNotSatisfiable when response.Content.Headers.ContentRange?.Length == existing:
                Report(existing, existing, force: true); // the partial is already complete: only the hash check is left
                return;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                File.Delete(partialPath);
                throw new DownloadAttemptException($"the server refused the range {existing}- (416, Content-Range: {response.Content.Headers.ContentRange}); the partial file was discarded", transient: true, response.StatusCode);
            default:
                throw new DownloadAttemptException(
                    string.Create(CultureInfo.InvariantCulture, $"the server answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase ?? response.StatusCode.ToString()})"),
                    DownloadAttemptException.IsTransientStatus(response.StatusCode), response.StatusCode);
        }

        long limit = Math.Min(total ?? maxBytes, maxBytes);
        if (total > maxBytes)
        {
            File.Delete(partialPath);
            throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture,
                $"the server announces {total:N0} bytes, more than the file's budget of {maxBytes:N0} bytes (WeightsFile.MaxBytes); the partial file was deleted"), transient: false);
        }

        long written = existing;
        await using (var output = NoFollow.OpenForWriting(partialPath, keep: existing > 0, FileOptions.Asynchronous))
        {
            output.SetLength(existing);
            output.Position = existing;
            written = await CopyAsync(response, output, existing, total, limit, attempt, cancellationToken).ConfigureAwait(false);
            output.Flush(flushToDisk: true);
        }

        if (written > limit)
        {
            File.Delete(partialPath);
            throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture,
                $"the server sent more than {limit:N0} bytes ({(total is null ? "the file's budget, WeightsFile.MaxBytes, with no length announced" : "the length it announced")}); the transfer was stopped and the partial file deleted"), transient: false);
        }

        if (total is { } length && written != length)
        {
            throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture, $"the connection ended after {written:N0} of {length:N0} bytes"), transient: true);
        }

        Report(written, total, force: true);
    }

    /// <summary>
    /// Sends the request, following up to <see cref="MaxRedirects"/> redirects itself (the downloader's own client
    /// follows none), so a redirect to anything but http(s), or from https to http, is refused naming where it led.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(long existing, CancellationTokenSource attempt, CancellationToken cancellationToken)
    {
        Uri current = url;
        for (int hops = 0; ; hops++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.UserAgent.Add(UserAgent);
            if (existing > 0)
            {
                request.Headers.Range = new RangeHeaderValue(existing, null);
            }

            var response = await Network(() => client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token), "sending the request", cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is < 300 or >= 400 || response.Headers.Location is not { } location)
            {
                return response;
            }

            int status = (int)response.StatusCode;
            response.Dispose();
            string refusal = !Uri.TryCreate(current, location, out var next) ? "which is not a valid URL"
                : next.Scheme is not ("http" or "https") ? "which is not an http or https URL; weights are downloaded over http(s) only"
                : current.Scheme == "https" && next.Scheme == "http" ? "which would leave https for plain http"
                : hops == MaxRedirects ? string.Create(CultureInfo.InvariantCulture, $"after {MaxRedirects} redirects already")
                : string.Empty;
            if (refusal.Length > 0)
            {
                throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture,
                    $"the server redirected (HTTP {status}) {(current == url ? string.Empty : $"from {current} ")}to {location}, {refusal}"), transient: false, (HttpStatusCode)status);
            }

            current = next!;
        }
    }

    /// <summary>
    /// Copies the body to the partial file until it ends, stopping one read past <paramref name="limit"/> (the caller
    /// deletes the file); fails an attempt slower than the minimum rate over a <see cref="WeightsDownloadOptions.Timeout"/>.
    /// </summary>
    /// <returns>The partial file's length.</returns>
    private async Task<long> CopyAsync(HttpResponseMessage response, FileStream output, long existing, long? total, long limit, CancellationTokenSource attempt, CancellationToken cancellationToken)
    {
        await using var input = await Network(() => response.Content.ReadAsStreamAsync(attempt.Token), "reading the response", cancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[1 << 16];
        long written = existing;
        var window = Stopwatch.StartNew();
        long windowBytes = 0;
        while (true)
        {
            attempt.CancelAfter(timeout);
            int read = await Network(() => input.ReadAsync(buffer, attempt.Token).AsTask(), $"after {written:N0} of {total?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes", cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return written;
            }

            int kept = (int)Math.Min(read, limit + 1 - written); // one byte past the limit proves the overflow
            await output.WriteAsync(buffer.AsMemory(0, kept), cancellationToken).ConfigureAwait(false);
            written += kept;
            receivedThisCall += kept;
            if (written > limit)
            {
                return written;
            }

            Report(written, total, force: false);
            windowBytes += read;
            if (window.Elapsed >= timeout)
            {
                double rate = windowBytes / window.Elapsed.TotalSeconds;
                if (rate < options.MinimumBytesPerSecond)
                {
                    throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture,
                        $"the transfer was too slow after {written:N0} bytes: {rate:0.#} bytes/s over {window.Elapsed.TotalSeconds:0.#} s, below the minimum of {options.MinimumBytesPerSecond:N0} bytes/s (WeightsDownloadOptions.MinimumBytesPerSecond)"), transient: true);
                }

                window.Restart();
                windowBytes = 0;
            }
        }
    }

    /// <summary>Runs a network step, turning its failures into <see cref="DownloadAttemptException"/>s; the caller's cancellation passes through.</summary>
    private async Task<T> Network<T>(Func<Task<T>> step, string when, CancellationToken cancellationToken)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture, $"timed out {when}: nothing arrived for {timeout.TotalSeconds:0.###} s"), transient: true, innerException: e);
        }
        catch (UriFormatException e)
        {
            // A client of the caller's that follows redirects itself: HttpClient fails on a Location such as file:///x.
            throw new DownloadAttemptException($"the request failed {when}: {e.Message} (a redirect to a URL that is not http or https?)", transient: false, innerException: e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new DownloadAttemptException($"the connection failed {when}: {e.Message}", transient: true, (e as HttpRequestException)?.StatusCode, e);
        }
    }

    private void Report(long bytes, long? total, bool force)
    {
        if (progress is null || (!force && clock.Elapsed - lastReport < ReportInterval))
        {
            return;
        }

        lastReport = clock.Elapsed;
        double seconds = clock.Elapsed.TotalSeconds;
        progress.Report(new DownloadProgress(bytes, total, seconds > 0 ? receivedThisCall / seconds : 0));
    }
}
