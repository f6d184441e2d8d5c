namespace ModelGallery.Cli;

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread, at once (<c>Progress&lt;T&gt;</c> posts, and lags behind).</summary>
internal sealed class Inline<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
