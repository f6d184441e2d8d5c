using System.Runtime.InteropServices;

namespace ModelGallery.IO;

/// <summary>
/// Writes files whole or not at all: the content goes to a temporary file in the target's folder, which is renamed
/// over the target once complete, so an exception or a killed process leaves the old file (timm's checkpoint saver
/// does the same; <c>torch.save</c> writes in place). A durable write also flushes the file to disk before the
/// rename, so it survives a power loss too. An existing path must be a regular file (a device, pipe, socket or folder
/// is refused, never replaced); a symbolic link keeps being a link, and the file it points to is written.
/// </summary>
internal static partial class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>; errors name <paramref name="path"/>.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="write">Writes the content.</param>
    /// <param name="durable">
    /// Flush the file to disk before renaming it into place (a training checkpoint, a cached verdict); false returns
    /// with the content in the page cache, as <c>torch.save</c> does (weights and ONNX files).
    /// </param>
    /// <exception cref="IOException">The path is not a regular file, or the folder cannot be written.</exception>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Target(path);
        string temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                if (durable)
                {
                    write(new WritebackStream(stream)); // the disk starts on each 8 MiB while the rest is written
                    stream.Flush(flushToDisk: true);
                }
                else
                {
                    write(stream);
                }
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write '{path}': {e.Message.Replace(temporary, target, StringComparison.Ordinal)}", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The regular file to replace: the path itself, or the file a symbolic link at it points to.</summary>
    private static string Target(string path)
    {
        string full = Path.GetFullPath(path);
        if (new FileInfo(full).LinkTarget is not null && File.ResolveLinkTarget(full, returnFinalTarget: true) is { } linked)
        {
            full = linked.FullName;
        }

        if (Directory.Exists(full))
        {
            throw new IOException($"Cannot write '{path}': it is a directory, not a file.");
        }

        if (File.Exists(full) && !IsRegularFile(full))
        {
            throw new IOException($"Cannot write '{path}': it exists and is not a regular file (a device, pipe or socket); it was left as it is.");
        }

        return full;
    }

    /// <summary>
    /// Whether an existing path is a regular file: from <c>stat</c>'s file type bits on Linux (x64 and Arm64, whose
    /// layouts are fixed), from the file attributes elsewhere.
    /// </summary>
    internal static bool IsRegularFile(string path)
    {
        int? modeOffset = !OperatingSystem.IsLinux() ? null : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24, // st_dev, st_ino, st_nlink (8 bytes each), then st_mode
            Architecture.Arm64 => 16, // st_dev, st_ino, then st_mode
            _ => null,
        };
        if (modeOffset is not { } offset)
        {
            return !File.GetAttributes(path).HasFlag(FileAttributes.Device);
        }

        byte[] buffer = new byte[512];
        if (Stat(path, buffer) != 0)
        {
            return true; // vanished or unreadable: the write itself will say what is wrong
        }

        const int TypeMask = 0xF000, Regular = 0x8000;
        return (BitConverter.ToUInt16(buffer, offset) & TypeMask) == Regular;
    }

    [LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
