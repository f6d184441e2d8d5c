using System.Buffers.Binary;

namespace ModelGallery.IO;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zip entries carry: written here, eight bytes a
/// step ("slicing by 8"), because the core package depends on TorchSharp and TorchSharp.PyBridge only.
/// </summary>
internal static class Crc32
{
    private static readonly uint[][] Tables = Build();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Of(ReadOnlySpan<byte> data)
    {
        uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3], t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
        uint crc = 0xFFFFFFFF;
        while (data.Length >= 8)
        {
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ crc;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            crc = t7[one & 0xFF] ^ t6[(one >> 8) & 0xFF] ^ t5[(one >> 16) & 0xFF] ^ t4[one >> 24]
                ^ t3[two & 0xFF] ^ t2[(two >> 8) & 0xFF] ^ t1[(two >> 16) & 0xFF] ^ t0[two >> 24];
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[][] Build()
    {
        var tables = new uint[8][];
        tables[0] = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int bit = 0; bit < 8; bit++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            tables[0][i] = c;
        }

        for (int k = 1; k < 8; k++)
        {
            tables[k] = new uint[256];
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[k - 1][i];
                tables[k][i] = (previous >> 8) ^ tables[0][previous & 0xFF];
            }
        }

        return tables;
    }
}
