using System.Collections.Concurrent;
using System.Security.Cryptography;
using ModelGallery.IO;

namespace ModelGallery.Hub;

/// <summary>
/// Where weight files are kept: the gallery's own cache folder, and PyTorch's hub cache, whose files are used as
/// they are so that weights already downloaded by PyTorch are not downloaded again.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Directory"/> is, in this order: the folder given to the constructor; <c>$MODELGALLERY_HOME/weights</c>;
/// <c>$XDG_CACHE_HOME/modelgallery/weights</c>; <c>%LOCALAPPDATA%\modelgallery\weights</c> on Windows;
/// <c>~/.cache/modelgallery/weights</c>. The <c>weights</c> folder leaves the gallery's home room for other caches.
/// </para>
/// <para>
/// <see cref="TorchHubDirectory"/> is torch.hub's <c>$TORCH_HOME/hub/checkpoints</c>, else
/// <c>$XDG_CACHE_HOME/torch/hub/checkpoints</c>, else <c>~/.cache/torch/hub/checkpoints</c> (on Windows too, as torch
/// does).
/// </para>
/// <para>
/// Trust: every cached file is hashed before its first use in each process (the hash is remembered while the file's
/// length and time stay the same). A file in the gallery's cache got its name only after its SHA-256 was checked,
/// but it may have been placed by hand, damaged or replaced since: it must be a regular file (not a link, a pipe or
/// a device) whose SHA-256 matches, or <see cref="Find"/> refuses it with a <see cref="WeightsDownloadException"/>
/// (it is never deleted or overwritten: the user decides). A file in PyTorch's cache that does not match is ignored
/// (never deleted: it is PyTorch's; torchvision downloads with <c>check_hash=False</c>) and the file is downloaded
/// into the gallery's cache instead.
/// </para>
/// </remarks>
public sealed class WeightsCache
{
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> Hashes = new();
    private readonly IReadOnlyDictionary<string, string>? environment;

    /// <summary>A cache in <paramref name="directory"/>, or in the folder the environment names.</summary>
    /// <param name="directory">The gallery's cache folder; null to resolve it from the environment.</param>
    /// <param name="environment">
    /// The environment variables to read instead of the process's (<c>MODELGALLERY_HOME</c>, <c>XDG_CACHE_HOME</c>,
    /// <c>TORCH_HOME</c>, <c>HOME</c>, <c>LOCALAPPDATA</c>, <c>USERPROFILE</c>, and <c>MODELGALLERY_WEIGHTS_URL</c> for the downloader); a
    /// variable missing from it counts as unset. Null reads the process's environment.
    /// </param>
    public WeightsCache(string? directory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        this.environment = environment;
        Directory = Path.GetFullPath(string.IsNullOrEmpty(directory) ? DefaultDirectory() : directory);
        TorchHubDirectory = Path.GetFullPath(Path.Combine(TorchHome(), "hub", "checkpoints"));
    }

    /// <summary>The gallery's cache folder, where downloads are saved (created on the first download).</summary>
    public string Directory { get; }

    /// <summary>PyTorch's hub cache folder, read but never written.</summary>
    public string TorchHubDirectory { get; }

    /// <summary>The path <paramref name="file"/> has in the gallery's cache, whether or not it is there.</summary>
    /// <param name="file">The weight file.</param>
    public string PathOf(WeightsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Path.Combine(Directory, file.FileName);
    }

    /// <summary>
    /// The path of <paramref name="file"/> if it is cached, its SHA-256 checked (once per process): in the gallery's
    /// cache, else in PyTorch's. Null when it must be downloaded. Never touches the network.
    /// </summary>
    /// <param name="file">The weight file.</param>
    /// <exception cref="WeightsDownloadException">
    /// The gallery's cache holds something under the file's name that is not a regular file, or whose SHA-256 does
    /// not match; the message names the path and says to remove it (it is left as it is).
    /// </exception>
    public string? Find(WeightsFile file)
    {
        string ours = PathOf(file);
        if (NoFollow.Exists(ours))
        {
            if (!NoFollow.IsRegularFile(ours))
            {
                throw new WeightsDownloadException(
                    $"The cache entry {ours} is not a regular file (a link, folder, pipe or device), so it is not used. Remove it, and the next call downloads {file.FileName} again.",
                    file.Url, ours);
            }

            string hash = Sha256Of(ours, remember: true);
            return hash.StartsWith(file.Sha256Prefix, StringComparison.Ordinal) ? ours : throw new WeightsDownloadException(
                $"The cached file {ours} is not {file.FileName}: its SHA-256 is {hash}, expected one starting with {file.Sha256Prefix}. It is not used; delete it, and the next call downloads the file again.",
                file.Url, ours);
        }

        string torch = Path.Combine(TorchHubDirectory, file.FileName);
        return File.Exists(torch) && AtomicFile.IsRegularFile(torch) && Sha256Of(torch, remember: true).StartsWith(file.Sha256Prefix, StringComparison.Ordinal) ? torch : null;
    }

    /// <summary>An environment variable as this cache sees it; empty counts as unset.</summary>
    internal string? Variable(string name)
    {
        string? value = environment is null ? Environment.GetEnvironmentVariable(name) : environment.GetValueOrDefault(name);
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>
    /// The lower-case hex SHA-256 of a file. With <paramref name="remember"/>, the hash is kept for the process while
    /// the file's length and time stay the same (cached files, looked up on every load); a download being checked is
    /// always hashed afresh.
    /// </summary>
    internal static string Sha256Of(string path, bool remember = false)
    {
        var info = new FileInfo(path);
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc);
        if (remember && Hashes.TryGetValue(key, out string? known))
        {
            return known;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (remember)
        {
            Hashes[key] = hash;
        }

        return hash;
    }

    /// <summary>Remembers the hash of a file just checked (a download renamed into the cache), so its first use does not hash it again.</summary>
    internal static void Remember(string path, string hash)
    {
        var info = new FileInfo(path);
        Hashes[(info.FullName, info.Length, info.LastWriteTimeUtc)] = hash;
    }

    private string DefaultDirectory()
    {
        if (Variable("MODELGALLERY_HOME") is { } home)
        {
            return Path.Combine(home, "weights");
        }

        if (Variable("XDG_CACHE_HOME") is { } xdg)
        {
            return Path.Combine(xdg, "modelgallery", "weights");
        }

        if (OperatingSystem.IsWindows()
            && (Variable("LOCALAPPDATA") ?? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData)) is { Length: > 0 } local)
        {
            return Path.Combine(local, "modelgallery", "weights");
        }

        return Path.Combine(UserHome(), ".cache", "modelgallery", "weights");
    }

    /// <summary>torch.hub's <c>_get_torch_home()</c>.</summary>
    private string TorchHome() =>
        Variable("TORCH_HOME") ?? Path.Combine(Variable("XDG_CACHE_HOME") ?? Path.Combine(UserHome(), ".cache"), "torch");

    /// <summary>Python's <c>os.path.expanduser("~")</c>: <c>HOME</c> (<c>USERPROFILE</c> on Windows), else the profile folder.</summary>
    private string UserHome() =>
        Variable(OperatingSystem.IsWindows() ? "USERPROFILE" : "HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
}
