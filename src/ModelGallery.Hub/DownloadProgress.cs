namespace ModelGallery.Hub;

/// <summary>How far a download has come.</summary>
/// <param name="BytesReceived">
/// The bytes of the file on disk so far, including those kept from an interrupted earlier transfer; it only grows,
/// unless a server ignores a resume request and the file is started again.
/// </param>
/// <param name="TotalBytes">The file's length, when the server tells it.</param>
/// <param name="BytesPerSecond">The mean speed of this download so far (bytes received by this call over its time).</param>
public sealed record DownloadProgress(long BytesReceived, long? TotalBytes, double BytesPerSecond)
{
    /// <summary>
    /// Set while this call waits for another thread's or process's download of the same file: who holds its lock, as
    /// the holder wrote it ("process 4242 on build-7, since 2026-12-03 10:01:02 UTC"), or "an unknown holder" when it
    /// wrote nothing. <see cref="BytesReceived"/> is then the holder's partial file so far. Null while downloading.
    /// </summary>
    public string? WaitingFor { get; init; }

    /// <summary>The fraction done, from 0 to 1, when the length is known.</summary>
    public double? Fraction => TotalBytes is > 0 and var total ? Math.Min(1.0, (double)BytesReceived / total) : null;

    /// <summary>The time left at the mean speed so far, when the length is known and bytes are arriving.</summary>
    public TimeSpan? EstimatedRemaining => TotalBytes is { } total && BytesPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, total - BytesReceived) / BytesPerSecond)
        : null;
}
