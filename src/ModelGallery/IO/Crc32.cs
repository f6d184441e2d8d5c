using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGallery.IO;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zip entries carry: written here because the core
/// package depends on TorchSharp and TorchSharp.PyBridge only. On x86 with PCLMULQDQ, buffers of 64 bytes and more are
/// folded 64 bytes a step by carry-less multiplication (Intel's "Fast CRC Computation for Generic Polynomials Using
/// PCLMULQDQ", 2009), about ten times the table's speed, which is what keeps SaveWeights level with torch.save; the
/// table, eight bytes a step ("slicing by 8"), does the rest and every other CPU.
/// </summary>
internal static class Crc32
{
    private static readonly uint[][] Tables = Build();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Of(ReadOnlySpan<byte> data) =>
        Pclmulqdq.IsSupported && data.Length >= 64 ? Folded(data) : ~Update(0xFFFFFFFF, data);

    /// <summary>The CRC-32 of <paramref name="data"/> by the table alone (the reference the folded path is tested against).</summary>
    internal static uint OfByTable(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFF, data);

    /// <summary>
    /// Folds the data 4 × 16 bytes at a time, then 16, into one 16-byte value congruent to everything read so far modulo
    /// the polynomial, in the place it held; that value and the tail then go through the table from a zero register.
    /// The initial register (all ones) is XORed into the first four bytes, which is what starting from it means.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // optimised at the first call: a model is often saved once
    private static uint Folded(ReadOnlySpan<byte> data)
    {
        // x^(512+64) and x^512, x^(128+64) and x^128 modulo P, bit-reflected (the paper's k1..k4 for this polynomial).
        var by64 = Vector128.Create(0x0154442bd4UL, 0x01c6e41596UL);
        var by16 = Vector128.Create(0x01751997d0UL, 0x00ccaa009eUL);
        ref byte start = ref MemoryMarshal.GetReference(data);
        var x1 = Vector128.LoadUnsafe(ref start).AsUInt64() ^ Vector128.Create(0xFFFFFFFFUL, 0UL);
        var x2 = Vector128.LoadUnsafe(ref start, 16).AsUInt64();
        var x3 = Vector128.LoadUnsafe(ref start, 32).AsUInt64();
        var x4 = Vector128.LoadUnsafe(ref start, 48).AsUInt64();
        nuint at = 64, length = (nuint)data.Length;
        for (; length - at >= 64; at += 64)
        {
            x1 = Fold(x1, by64) ^ Vector128.LoadUnsafe(ref start, at).AsUInt64();
            x2 = Fold(x2, by64) ^ Vector128.LoadUnsafe(ref start, at + 16).AsUInt64();
            x3 = Fold(x3, by64) ^ Vector128.LoadUnsafe(ref start, at + 32).AsUInt64();
            x4 = Fold(x4, by64) ^ Vector128.LoadUnsafe(ref start, at + 48).AsUInt64();
        }

        x1 = Fold(Fold(Fold(x1, by16) ^ x2, by16) ^ x3, by16) ^ x4;
        for (; length - at >= 16; at += 16)
        {
            x1 = Fold(x1, by16) ^ Vector128.LoadUnsafe(ref start, at).AsUInt64();
        }

        Span<byte> folded = stackalloc byte[16];
        x1.AsByte().CopyTo(folded);
        return ~Update(Update(0, folded), data[(int)at..]);
    }

    /// <summary>Moves 16 bytes forward by the distance <paramref name="k"/> stands for: low half × k's low, high half × k's high.</summary>
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> k) =>
        Pclmulqdq.CarrylessMultiply(x, k, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, k, 0x11);

    /// <summary>The register after <paramref name="data"/>, from <paramref name="crc"/>, without the final inversion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] t0 = Tables[0], t1 = Tables[1], t2 = Tables[2], t3 = Tables[3], t4 = Tables[4], t5 = Tables[5], t6 = Tables[6], t7 = Tables[7];
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

        return crc;
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
