using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGallery.Benchmarks;

/// <summary>
/// This machine's FP32 peak: twelve independent 512-bit fused multiply-add chains on every thread, the bound that
/// the VGG16 efficiency figure is measured against.
/// </summary>
internal static class Peak
{
    /// <summary>GFLOP/s on <paramref name="threads"/> threads, or NaN without AVX-512 (the machine this suite is for has it).</summary>
    public static double Gflops(int threads)
    {
        if (!Avx512F.IsSupported)
        {
            return double.NaN;
        }

        Chains(1_000_000); // JIT and warm-up
        const long iterations = 100_000_000;
        double best = 0;
        for (int run = 0; run < 3; run++)
        {
            var clock = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => Chains(iterations));
            best = Math.Max(best, threads * iterations * 12.0 * Width * 2 / clock.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    private const int Width = 16;

    private static float Chains(long iterations)
    {
        var m = Vector512.Create(0.999999f);
        var c = Vector512.Create(1e-7f);
        var (a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11) = (m, m, m, m, m, m, m, m, m, m, m, m);
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c); a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c); a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, c); a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).GetElement(0);
    }
}
