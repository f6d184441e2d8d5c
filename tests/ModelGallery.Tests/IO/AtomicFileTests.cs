using ModelGallery.IO;

namespace ModelGallery.Tests.IO;

/// <summary>
/// An atomic write leaves exactly the bytes written (through the writeback stream of a durable write: in writes of every
/// size across the 8 MiB hand-over points, with seeks back to patch what was written, as a header is patched after its
/// data), and a failed one, durable or not, leaves the old file.
/// </summary>
public sealed class AtomicFileTests : TempFolder
{
    [Fact]
    public void Writes_of_any_size_and_seeks_back_leave_exactly_the_bytes_written()
    {
        string path = Path.Combine(Folder, "data.bin");
        var random = new Random(7);
        byte[] expected = new byte[(int)(2.5 * WritebackStream.Chunk) + 12_345];
        random.NextBytes(expected);

        AtomicFile.Write(path, stream =>
        {
            int written = 0;
            while (written < expected.Length)
            {
                int size = Math.Min(random.Next(1, 3 << 20), expected.Length - written);
                if (size < 3)
                {
                    stream.WriteByte(expected[written]);
                    size = 1;
                }
                else
                {
                    stream.Write(expected, written, size);
                }

                written += size;
            }

            stream.Position = 100; // patch a range already handed to the kernel's writeback, then go back to the end
            stream.Write(expected, 100, 4096);
            stream.Seek(0, SeekOrigin.End);
            stream.Write([1, 2, 3]);
        });

        File.ReadAllBytes(path).Should().Equal([.. expected, 1, 2, 3]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_failed_write_leaves_the_old_file_and_no_temporary_one(bool durable)
    {
        string path = Path.Combine(Folder, "data.bin");
        File.WriteAllBytes(path, [9, 9, 9]);

        var act = () => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[WritebackStream.Chunk + 1]);
            throw new IOException("disk gone");
        }, durable);

        act.Should().Throw<IOException>().WithMessage($"Cannot write '{path}': disk gone");
        File.ReadAllBytes(path).Should().Equal(9, 9, 9);
        Directory.GetFiles(Folder).Should().Equal(path);
    }
}
