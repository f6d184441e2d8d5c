using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>
/// A Hub test: a fresh folder, a started <see cref="WeightsServer"/>, and a cache whose environment is a dictionary
/// pointing into the folder (never the process's, so tests run in parallel and never see the real caches).
/// </summary>
public abstract class HubTest : TempFolder, IAsyncLifetime
{
    private readonly List<WeightsDownloader> downloaders = [];

    private protected WeightsServer Server { get; private set; } = null!;

    /// <summary>The environment every cache of the test reads.</summary>
    protected Dictionary<string, string> Environment { get; } = [];

    /// <summary>A cache over <see cref="Environment"/>: the gallery's under xdg/, PyTorch's under torch/.</summary>
    protected WeightsCache Cache => new(environment: Environment);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Environment["XDG_CACHE_HOME"] = Path.Combine(Folder, "xdg");
        Environment["TORCH_HOME"] = Path.Combine(Folder, "torch");
        Environment["HOME"] = Path.Combine(Folder, "home");
        Server = await WeightsServer.StartAsync();
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        downloaders.ForEach(d => d.Dispose());
        await Server.DisposeAsync();
    }

    /// <summary>
    /// A downloader with fast retries (10 ms, then backing off), a short per-attempt timeout, and a one-minute deadline
    /// (no test can hang); <paramref name="minimumRate"/> null keeps the default rule.
    /// </summary>
    protected WeightsDownloader Downloader(int retries = 2, double timeoutSeconds = 5, Uri? baseUrl = null, WeightsCache? cache = null, double deadlineSeconds = 60, long? minimumRate = null)
    {
        var defaults = new WeightsDownloadOptions();
        var downloader = new WeightsDownloader(cache ?? Cache, new WeightsDownloadOptions
        {
            Retries = retries,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
            BaseUrl = baseUrl,
            LockPollInterval = TimeSpan.FromMilliseconds(20),
            Deadline = TimeSpan.FromSeconds(deadlineSeconds),
            MinimumBytesPerSecond = minimumRate ?? defaults.MinimumBytesPerSecond,
        });
        downloaders.Add(downloader);
        return downloader;
    }

    /// <summary>The files in the gallery's cache folder, by name (none when it does not exist).</summary>
    protected string[] CacheFiles() => Directory.Exists(Cache.Directory)
        ? [.. Directory.EnumerateFiles(Cache.Directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!]
        : [];

    /// <summary>
    /// Watches the gallery's cache folder (made now) for names that appear, by creation or by rename, so a test sees a
    /// name that existed only for a moment. Read <see cref="CacheWatch.Seen"/> after <see cref="CacheWatch.SettleAsync"/>.
    /// </summary>
    protected CacheWatch WatchCache()
    {
        Directory.CreateDirectory(Cache.Directory);
        return new CacheWatch(Cache.Directory);
    }

    /// <summary>The names seen appearing in a folder, with how they appeared.</summary>
    protected sealed class CacheWatch : IDisposable
    {
        private readonly FileSystemWatcher watcher;
        private readonly List<string> seen = [];

        internal CacheWatch(string folder)
        {
            watcher = new FileSystemWatcher(folder);
            watcher.Created += (_, e) => Add($"created {e.Name}");
            watcher.Renamed += (_, e) => Add($"renamed {e.OldName} to {e.Name}");
            watcher.EnableRaisingEvents = true;
        }

        /// <summary>"created NAME" and "renamed OLD to NEW", in order.</summary>
        public string[] Seen
        {
            get
            {
                lock (seen)
                {
                    return [.. seen];
                }
            }
        }

        /// <summary>Gives the watcher's events time to arrive.</summary>
        public static Task SettleAsync() => Task.Delay(300);

        /// <inheritdoc/>
        public void Dispose() => watcher.Dispose();

        private void Add(string change)
        {
            lock (seen)
            {
                seen.Add(change);
            }
        }
    }

    /// <summary>Records progress reports synchronously, in order (unlike <see cref="Progress{T}"/>, which posts them).</summary>
    protected sealed class RecordedProgress : IProgress<DownloadProgress>
    {
        private readonly List<DownloadProgress> reports = [];

        /// <summary>Runs on each report, on the reporting thread.</summary>
        public Action<DownloadProgress>? OnReport { get; init; }

        /// <summary>The reports so far.</summary>
        public DownloadProgress[] Reports
        {
            get
            {
                lock (reports)
                {
                    return [.. reports];
                }
            }
        }

        /// <inheritdoc/>
        public void Report(DownloadProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }

            OnReport?.Invoke(value);
        }
    }
}
