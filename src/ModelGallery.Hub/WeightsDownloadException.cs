using System.Net;

namespace ModelGallery.Hub;

/// <summary>
/// A weight file could not be downloaded, or the bytes that arrived are not the expected file. The message names the
/// URL, the HTTP status or the error, the cache path, and how to place the file by hand.
/// </summary>
public sealed class WeightsDownloadException : IOException
{
    /// <summary>Describes a failed download.</summary>
    /// <param name="message">What went wrong, with the URL and the cache path.</param>
    /// <param name="url">The URL the file was requested from.</param>
    /// <param name="cachePath">Where the file would have been saved.</param>
    /// <param name="statusCode">The server's final HTTP status, if the failure was one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public WeightsDownloadException(string message, Uri url, string cachePath, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Url = url;
        CachePath = cachePath;
        StatusCode = statusCode;
    }

    /// <summary>The URL the file was requested from (a mirror's, when one is set).</summary>
    public Uri Url { get; }

    /// <summary>The server's final HTTP status, when the failure was an HTTP status; otherwise null.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The path the file is cached under: saving the right file there by hand makes the next call succeed.</summary>
    public string CachePath { get; }

    /// <summary>The closing sentence of every message: how to place the file by hand, and that such a file is verified too.</summary>
    internal static string ByHand(Uri url, string cachePath) =>
        $"To place it by hand, download {url} and save it as {cachePath} (its SHA-256 is checked before it is used).";
}
