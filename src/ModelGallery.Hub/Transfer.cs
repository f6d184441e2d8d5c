using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ModelGallery.Hub;

/// <summary>
/// The download of one file into its <c>.partial</c> file, one attempt per <see cref="RunAttemptAsync"/>: each
/// attempt resumes from the partial's length with an HTTP Range request, so retries and later calls continue where
/// the last one stopped.
/// </summary>
internal sealed class Transfer(HttpClient client, Uri url, string partialPath, TimeSpan timeout, IProgress<DownloadProgress>? progress)
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(100);
    private static readonly ProductInfoHeaderValue UserAgent =
        new("ModelGallery.Hub", typeof(Transfer).Assembly.GetName().Version?.ToString(3) ?? "0");

    private readonly Stopwatch clock = Stopwatch.StartNew();
    private long receivedThisCall;
    private TimeSpan? lastReport;

    /// <summary>One request: appends what arrives to the partial file; throws <see cref="DownloadAttemptException"/> on a network failure.</summary>
    public async ValueTask RunAttemptAsync(CancellationToken cancellationToken)
    {
        long existing = File.Exists(partialPath) ? new FileInfo(partialPath).Length : 0;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.Add(UserAgent);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        attempt.CancelAfter(timeout);
        using var response = await Network(() => client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, attempt.Token), "sending the request", cancellationToken).ConfigureAwait(false);
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

        await using var output = new FileStream(partialPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        output.SetLength(existing);
        output.Position = existing;
        await using var input = await Network(() => response.Content.ReadAsStreamAsync(attempt.Token), "reading the response", cancellationToken).ConfigureAwait(false);
        byte[] buffer = new byte[1 << 16];
        long written = existing;
        while (true)
        {
            attempt.CancelAfter(timeout);
            int read = await Network(() => input.ReadAsync(buffer, attempt.Token).AsTask(), $"after {written:N0} of {total?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes", cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            written += read;
            receivedThisCall += read;
            Report(written, total, force: false);
        }

        output.Flush(flushToDisk: true);
        if (total is { } length && written != length)
        {
            throw new DownloadAttemptException(string.Create(CultureInfo.InvariantCulture, $"the connection ended after {written:N0} of {length:N0} bytes"), transient: true);
        }

        Report(written, total, force: true);
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
