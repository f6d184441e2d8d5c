using ModelGallery.IO;

namespace ModelGallery.Hub;

/// <summary>
/// Opens the cache's own files (<c>.partial</c>, <c>.lock</c>, <c>.lock.owner</c>) without ever following a link:
/// whatever is at the name and is not a regular file (a symbolic link, a pipe, a device) is deleted, never opened; a
/// file is created with <see cref="FileMode.CreateNew"/> (<c>O_CREAT | O_EXCL</c>, which refuses a link at the name);
/// and on Linux an opened handle is checked to be the file at the name (through <c>/proc/self/fd</c>) before anything
/// is written, so a link swapped in between the check and the open is caught.
/// </summary>
internal static class NoFollow
{
    /// <summary>Whether something (a file, a folder, a link, even a dangling one, a pipe) is at <paramref name="path"/>.</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || IsLink(path);

    /// <summary>Whether <paramref name="path"/> is a symbolic link (or a Windows reparse point), dangling or not.</summary>
    public static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    /// <summary>Whether <paramref name="path"/> is a regular file itself: not a link (even to a regular file), a folder, a pipe, a socket or a device.</summary>
    public static bool IsRegularFile(string path) => File.Exists(path) && !IsLink(path) && AtomicFile.IsRegularFile(path);

    /// <summary>Deletes whatever is at <paramref name="path"/> unless it is a regular file; a link is removed, never its target.</summary>
    /// <returns>Whether something was deleted.</returns>
    /// <exception cref="IOException">A folder is at the name.</exception>
    public static bool RemoveIfNotRegular(string path)
    {
        if (!Exists(path) || IsRegularFile(path))
        {
            return false;
        }

        if (Directory.Exists(path) && !IsLink(path))
        {
            throw new IOException($"'{path}' is a folder where the downloader keeps a file of its own; remove it.");
        }

        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Opens <paramref name="path"/> for writing: the regular file already there when <paramref name="keep"/> (to
    /// resume it), else a new one (anything at the name is deleted first).
    /// </summary>
    /// <exception cref="IOException">The name could not be claimed, or the opened file is not the one at the name.</exception>
    public static FileStream OpenForWriting(string path, bool keep, FileOptions options = FileOptions.None)
    {
        RemoveIfNotRegular(path);
        if (!keep)
        {
            File.Delete(path);
        }

        // Unbuffered (the callers write whole blocks): what arrived is on disk at once, where a waiter reads its length.
        var stream = keep && File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None, 0, options)
            : new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, options);
        return Checked(stream, path);
    }

    /// <summary>
    /// Returns <paramref name="stream"/> if its handle is the file now at <paramref name="path"/> (checked on Linux);
    /// otherwise disposes it and throws.
    /// </summary>
    /// <exception cref="IOException">The handle is another file (a link was followed) or a deleted one.</exception>
    public static FileStream Checked(FileStream stream, string path)
    {
        if (IsAtPath(stream, path))
        {
            return stream;
        }

        stream.Dispose();
        throw new IOException($"'{path}' was replaced (by a link or another file) while it was being opened; nothing was written through it.");
    }

    /// <summary>
    /// Whether the handle is the file at <paramref name="path"/>: on Linux, <c>/proc/self/fd/N</c> names the file the
    /// handle is open on, with " (deleted)" after a deleted one; elsewhere assumed (the checks before opening stand).
    /// </summary>
    public static bool IsAtPath(FileStream stream, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return true;
        }

        string link = "/proc/self/fd/" + stream.SafeFileHandle.DangerousGetHandle().ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? target = new FileInfo(link).LinkTarget;
        string full = Path.GetFullPath(path);
        return target is null || string.Equals(target, Path.Combine(RealPath(Path.GetDirectoryName(full)!), Path.GetFileName(full)), StringComparison.Ordinal);
    }

    /// <summary>The path with every link among its folders resolved (what <c>/proc/self/fd</c> shows), as <c>realpath</c> gives it.</summary>
    private static string RealPath(string path, int depth = 0)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            if (depth < 40 && new FileInfo(next).LinkTarget is { } linked)
            {
                next = RealPath(Path.Combine(current, linked), depth + 1); // a relative target is relative to the link's folder
            }

            current = next;
        }

        return current;
    }
}
