using ModelGallery.IO;

namespace ModelGallery.Tests.IO;

/// <summary>The zip entries' checksum against values computed by Python's zlib.crc32 (and the CRC-32 check value).</summary>
public sealed class Crc32Tests
{
    [Fact]
    public void The_check_value_of_123456789_is_cbf43926()
    {
        Crc32.Of("123456789"u8).Should().Be(0xCBF43926);
        Crc32.Of([]).Should().Be(0u);
    }

    [Theory]
    [InlineData(13, 0x1524E6CAu)]   // shorter than one 8-byte step: the byte loop alone
    [InlineData(1003, 0xC9AA2134u)] // 125 steps and a 3-byte tail; folded (PCLMULQDQ): 15 64-byte steps, 3 16-byte ones, an 11-byte tail
    [InlineData(64, 0xE667F479u)] // folded: exactly one 64-byte block
    [InlineData(79, 0x312890EEu)] // folded: one 64-byte block and a 15-byte tail
    [InlineData(100_003, 0xF8A4718Au)]
    public void Buffers_give_zlibs_crc32(int length, uint expected)
    {
        // zlib.crc32(bytes((i * 7) % 251 for i in range(length)))
        byte[] data = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 % 251))];
        Crc32.Of(data).Should().Be(expected);
    }

    [Fact]
    public void The_folded_path_gives_the_tables_crc_at_every_length_and_offset()
    {
        var random = new Random(29);
        byte[] data = new byte[4096 + 64];
        random.NextBytes(data);
        foreach (int length in Enumerable.Range(0, 300).Concat([1023, 1024, 1025, 4096]))
        {
            foreach (int offset in new[] { 0, 1, 7, 13 })
            {
                var slice = data.AsSpan(offset, length);
                Crc32.Of(slice).Should().Be(Crc32.OfByTable(slice), "length {0} at offset {1}", length, offset);
            }
        }
    }
}
