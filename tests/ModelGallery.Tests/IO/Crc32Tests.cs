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
    [InlineData(1003, 0xC9AA2134u)] // 125 steps and a 3-byte tail
    public void Buffers_give_zlibs_crc32(int length, uint expected)
    {
        // zlib.crc32(bytes((i * 7) % 251 for i in range(length)))
        byte[] data = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 % 251))];
        Crc32.Of(data).Should().Be(expected);
    }
}
