using System.Net;

namespace ModelGallery.Hub;

/// <summary>One attempt's network failure: transient ones are retried, the last one becomes a <see cref="WeightsDownloadException"/>.</summary>
internal sealed class DownloadAttemptException : Exception
{
    public DownloadAttemptException(string reason, bool transient, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(reason, innerException)
    {
        IsTransient = transient;
        StatusCode = statusCode;
    }

    public DownloadAttemptException()
    {
    }

    public DownloadAttemptException(string message)
        : base(message)
    {
    }

    public DownloadAttemptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether another attempt may succeed: 408, 429 and 5xx statuses, connection errors and breaks, timeouts.</summary>
    public bool IsTransient { get; }

    /// <summary>The HTTP status, when the failure was one.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>Whether a status is worth another attempt.</summary>
    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
