using System.Runtime.Intrinsics.X86;

namespace ModelGallery.Native;

/// <summary>
/// The cache sizes the processor reports through CPUID, which is what oneDNN (through xbyak) and glibc's <c>getconf</c>
/// read: the deterministic cache-parameters leaf (4 on Intel, 0x8000001D on AMD) and, on AMD, the legacy leaves
/// 0x80000005/0x80000006 as well; the larger of the two where both answer.
/// </summary>
internal static class CpuCaches
{
    private static readonly Lazy<long?>[] Sizes = [.. Enumerable.Range(1, 3).Select(level => new Lazy<long?>(() => Read(level), LazyThreadSafetyMode.PublicationOnly))];

    /// <summary>The size in bytes of the level-<paramref name="level"/> data (or unified) cache; null where CPUID does not say.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not 1, 2 or 3.</exception>
    public static long? Size(int level)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 3);
        return Sizes[level - 1].Value;
    }

    private static long? Read(int level)
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        (_, int vendorB, int vendorC, int vendorD) = X86Base.CpuId(0, 0);
        bool amd = vendorB == 0x68747541 && vendorD == 0x69746E65 && vendorC == 0x444D4163; // "AuthenticAMD"
        uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        long? legacy = amd ? Legacy(level, maxExtended) : null;
        long? described = !amd || maxExtended >= 0x8000001D ? Described(amd ? unchecked((int)0x8000001D) : 4, level) : null;
        return legacy is null ? described : described is null ? legacy : Math.Max(legacy.Value, described.Value);
    }

    /// <summary>AMD's legacy leaves: L1d in 0x80000005 ECX[31:24] KB, L2 in 0x80000006 ECX[31:16] KB, L3 in EDX[31:18] × 512 KB.</summary>
    private static long? Legacy(int level, uint maxExtended)
    {
        if (level == 1)
        {
            return maxExtended >= 0x80000005 ? ((long)((uint)X86Base.CpuId(unchecked((int)0x80000005), 0).Ecx >> 24)) * 1024 : null;
        }

        if (maxExtended < 0x80000006)
        {
            return null;
        }

        var (_, _, ecx, edx) = X86Base.CpuId(unchecked((int)0x80000006), 0);
        long bytes = level == 2 ? ((long)((uint)ecx >> 16)) * 1024 : ((long)((uint)edx >> 18)) * 512 * 1024;
        return bytes == 0 ? null : bytes;
    }

    /// <summary>The size in the deterministic cache parameters leaf: ways × partitions × line size × sets.</summary>
    private static long? Described(int leaf, int level)
    {
        for (int sub = 0; sub < 16; sub++)
        {
            (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, sub);
            int type = eax & 0x1F;
            if (type == 0)
            {
                break;
            }

            if (((eax >> 5) & 0x7) == level && type != 2) // 1 data, 2 instruction, 3 unified
            {
                long ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
                return ways * partitions * line * ((long)(uint)ecx + 1);
            }
        }

        return null;
    }
}
