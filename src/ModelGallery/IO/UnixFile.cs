using System.Runtime.InteropServices;

namespace ModelGallery.IO;

/// <summary>
/// What <c>stat(2)</c> says about a path, links followed: its kind (a named pipe must be refused before it is opened,
/// since opening one for reading blocks until a writer comes) and its identity (device and inode, the same for every
/// path and link that reaches one file or folder). Read on Linux x64 and Arm64, whose <c>struct stat</c> layouts are
/// fixed; elsewhere nothing is known and callers fall back to what .NET reports.
/// </summary>
internal static partial class UnixFile
{
    /// <summary>A file's type bits (<c>st_mode &amp; S_IFMT</c>).</summary>
    internal enum Kind
    {
        Regular,
        Directory,
        Fifo,
        CharacterDevice,
        BlockDevice,
        Socket,
        Other,
    }

    /// <summary>Kind, device and inode of the file at <paramref name="path"/> (links followed); null when unknown: not Linux x64/Arm64, no such path, or not readable.</summary>
    public static (Kind Kind, ulong Device, ulong Inode)? Stat(string path)
    {
        int? modeOffset = !OperatingSystem.IsLinux() ? null : RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 24, // st_dev, st_ino, st_nlink (8 bytes each), then st_mode
            Architecture.Arm64 => 16, // st_dev, st_ino (8 bytes each), then st_mode
            _ => null,
        };
        byte[] buffer = new byte[256]; // struct stat is 144 bytes on x64, 128 on Arm64
        if (modeOffset is not { } offset || StatNative(path, buffer) != 0)
        {
            return null;
        }

        var kind = (BitConverter.ToUInt32(buffer, offset) & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0x2000 => Kind.CharacterDevice,
            0x6000 => Kind.BlockDevice,
            0xC000 => Kind.Socket,
            _ => Kind.Other,
        };
        return (kind, BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
    }

    /// <summary>The kind of a path that exists but is neither a regular file nor a folder, in words; null for those two and when unknown.</summary>
    public static string? Special(string path) => Stat(path)?.Kind switch
    {
        Kind.Fifo => "a named pipe (FIFO)",
        Kind.CharacterDevice => "a character device",
        Kind.BlockDevice => "a block device",
        Kind.Socket => "a socket",
        Kind.Other => "not a regular file",
        _ => null,
    };

    [LibraryImport("libc.so.6", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatNative(string path, [Out] byte[] buffer);
}
