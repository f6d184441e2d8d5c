using System.Globalization;
using System.Text;

namespace ModelGallery.Hub;

/// <summary>
/// A lock file shared by threads and processes: <c>&lt;name&gt;.lock</c> opened with <see cref="FileShare.None"/>,
/// which .NET enforces between processes (an exclusive <c>flock</c> on Unix, a sharing mode on Windows) and between
/// two opens in one process. The lock ends with the handle, so a crashed holder never leaves it held. The holder
/// writes who it is (process id, host, since when) to <c>&lt;name&gt;.lock.owner</c>, which waiters read and report.
/// </summary>
/// <remarks>
/// <para>
/// Why a second file: on Unix .NET takes a shared <c>flock</c> for every read-only open, which the holder's exclusive
/// one refuses, so nobody could read an owner written into the lock file itself while it is held.
/// </para>
/// <para>
/// Removal: on Windows the lock file is opened with <see cref="FileOptions.DeleteOnClose"/>, which the sharing mode
/// makes safe. On Linux the holder deletes it before closing, and a waiter that locks a file checks through
/// <c>/proc/self/fd</c> that it is still the file at the name (not one deleted meanwhile, which would let two hold
/// "the" lock), trying again otherwise. On other Unix systems the empty file stays, as deleting it would open that race.
/// Neither file is followed if it is a link (<see cref="NoFollow"/>).
/// </para>
/// </remarks>
internal sealed class FileLock : IAsyncDisposable
{
    private readonly FileStream stream;
    private readonly string path;
    private readonly bool verified;

    private FileLock(FileStream stream, string path, bool verified)
    {
        this.stream = stream;
        this.path = path;
        this.verified = verified;
    }

    /// <summary>The owner file beside a lock file.</summary>
    public static string OwnerPath(string lockPath) => lockPath + ".owner";

    /// <summary>
    /// Holds the lock at <paramref name="path"/>, trying again every <paramref name="poll"/> while it is held and
    /// telling <paramref name="waiting"/> who holds it (the owner file's line, or null when there is none).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public static async Task<FileLock> AcquireAsync(string path, TimeSpan poll, Action<string?>? waiting, CancellationToken cancellationToken)
    {
        var options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None;
        var access = OperatingSystem.IsWindows() ? FileAccess.ReadWrite : FileAccess.Read; // nothing is ever written through it
        int mismatches = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                NoFollow.RemoveIfNotRegular(path);
                var stream = new FileStream(path, FileMode.OpenOrCreate, access, FileShare.None, 1, options);
                bool verified = NoFollow.IsAtPath(stream, path);
                if (verified || ++mismatches > 3)
                {
                    // Never verified three times running: a file system where /proc/self/fd names files otherwise. The
                    // lock still holds; only its file is not deleted at the end (the race the remarks describe).
                    var held = new FileLock(stream, path, verified);
                    held.WriteOwner();
                    return held;
                }

                await stream.DisposeAsync().ConfigureAwait(false); // deleted by its last holder, or a link: try the name again
                continue;
            }
            catch (IOException e) when (IsHeld(e))
            {
            }
            catch (UnauthorizedAccessException) when (OperatingSystem.IsWindows() && File.Exists(path))
            {
                // Windows refuses to open a file whose deletion is pending: the holder is closing it.
            }

            waiting?.Invoke(ReadOwner(path));
            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The owner file's first line (who holds the lock), or null when there is none or it is not a regular file.</summary>
    public static string? ReadOwner(string lockPath)
    {
        string owner = OwnerPath(lockPath);
        try
        {
            if (!NoFollow.IsRegularFile(owner))
            {
                return null;
            }

            using var reader = new StreamReader(new FileStream(owner, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete), Encoding.UTF8);
            char[] text = new char[300];
            int length = reader.ReadBlock(text, 0, text.Length);
            string line = new string(text, 0, length).Split('\n')[0].Trim();
            return line.Length > 0 ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // being written or removed by its holder
        }
    }

    /// <summary>Removes the owner file and, on Linux, the lock file (see the remarks), then releases the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        TryDelete(OwnerPath(path));
        if (OperatingSystem.IsLinux() && verified)
        {
            TryDelete(path);
        }

        await stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Whether opening failed because another handle holds the file: a sharing or lock violation on Windows; on Unix
    /// the errno of a refused <c>flock</c>, EWOULDBLOCK (11 on Linux, 35 on macOS and the BSDs), which .NET passes as
    /// the HResult. Any other failure (no such folder, no permission) is not waited out.
    /// </summary>
    private static bool IsHeld(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind: the next holder replaces the owner file, and a lock file is harmless.
        }
    }

    /// <summary>Writes "pid N on HOST since TIME" to the owner file, created afresh (a link at its name is removed, never followed).</summary>
    private void WriteOwner()
    {
        string owner = string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n");
        try
        {
            using var file = NoFollow.OpenForWriting(OwnerPath(path), keep: false);
            file.Write(Encoding.UTF8.GetBytes(owner));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The owner is a courtesy to waiters; the lock holds without it.
        }
    }
}
