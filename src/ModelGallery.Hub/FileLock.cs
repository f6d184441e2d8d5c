namespace ModelGallery.Hub;

/// <summary>
/// A lock file shared by threads and processes: <c>&lt;name&gt;.lock</c> opened with <see cref="FileShare.None"/>,
/// which .NET enforces between processes (an exclusive <c>flock</c> on Unix, a sharing mode on Windows) and between
/// two opens in one process. The lock ends with the handle, so a crashed holder never leaves it held.
/// </summary>
/// <remarks>
/// On Windows the file is opened with <see cref="FileOptions.DeleteOnClose"/>, which the sharing mode makes safe. On
/// Unix the empty file stays: deleting a lock file that another process has already opened lets a third process lock
/// a new file of the same name while the second holds the deleted one, and both would download at once.
/// </remarks>
internal static class FileLock
{

    /// <summary>Holds the lock at <paramref name="path"/>, trying again every <paramref name="poll"/> while it is held.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    public static async Task<FileStream> AcquireAsync(string path, TimeSpan poll, CancellationToken cancellationToken)
    {
        var options = OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, options);
            }
            catch (IOException e) when (IsHeld(e))
            {
            }
            catch (UnauthorizedAccessException) when (OperatingSystem.IsWindows() && File.Exists(path))
            {
                // Windows refuses to open a file whose deletion is pending: the holder is closing it.
            }

            await Task.Delay(poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether opening failed because another handle holds the file: a sharing or lock violation on Windows; on Unix
    /// the errno of a refused <c>flock</c>, EWOULDBLOCK (11 on Linux, 35 on macOS and the BSDs), which .NET passes as
    /// the HResult. Any other failure (no such folder, no permission) is not waited out.
    /// </summary>
    private static bool IsHeld(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);
}
