using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelGallery.IO;

/// <summary>
/// A write-only view of a file that, on Linux, asks the kernel to start writing each <see cref="Chunk"/> to the disk
/// as soon as it is written (<c>sync_file_range</c> with <c>SYNC_FILE_RANGE_WRITE</c>, which does not wait). The disk
/// then works while the rest is still being produced, and the <c>fsync</c> that ends an atomic write waits for the
/// last chunk only, not for the whole file. Elsewhere, or where the call is refused, it writes as the file does.
/// </summary>
internal sealed partial class WritebackStream(FileStream file) : Stream
{
    /// <summary>How many written bytes are handed to the kernel's writeback at a time: 8 MiB.</summary>
    internal const long Chunk = 8L << 20;

    private const uint SyncFileRangeWrite = 2;
    private long handedOver; // the end of the last range handed to writeback
    private bool refused = !OperatingSystem.IsLinux();

    public override bool CanRead => false;

    public override bool CanSeek => file.CanSeek;

    public override bool CanWrite => true;

    public override long Length => file.Length;

    public override long Position
    {
        get => file.Position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        file.Write(buffer);
        HandOver();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value)
    {
        file.WriteByte(value);
        HandOver();
    }

    public override void Flush() => file.Flush();

    public override long Seek(long offset, SeekOrigin origin)
    {
        long position = file.Seek(offset, origin);
        handedOver = Math.Min(handedOver, position);
        return position;
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A writeback stream is write-only.");

    public override void SetLength(long value) => file.SetLength(value);

    private void HandOver()
    {
        long position = file.Position;
        if (refused || position - handedOver < Chunk)
        {
            return;
        }

        file.Flush(); // FileStream's own buffer to the kernel
        try
        {
            refused = SyncFileRange(file.SafeFileHandle, handedOver, position - handedOver, SyncFileRangeWrite) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            refused = true; // not glibc: write as the file does
        }

        handedOver = position;
    }

    [LibraryImport("libc.so.6", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(SafeFileHandle fd, long offset, long count, uint flags);
}
