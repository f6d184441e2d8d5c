using System.Diagnostics;
using System.Globalization;

namespace ModelGallery.Benchmarks;

/// <summary>
/// The inference table's .NET side, timed as Reference/bench_pytorch.py times PyTorch (its <c>median_rate</c>): two
/// warm-up calls, then each call timed on its own until at least <see cref="MinReps"/> calls and <see cref="MinTime"/>
/// have passed, and the median call gives images/s. One case at a time (setup, timing, disposal), so no ONNX Runtime
/// session is alive while an eager case runs.
/// </summary>
/// <remarks>
/// BenchmarkDotNet, which measured this table before, reports the mean of each iteration (hundreds of calls of a small
/// model), while the PyTorch side reports the median call. On a 2-vCPU guest shared with other work a call on two
/// threads now and then waits milliseconds for the second vCPU, so for LeNet-5 at batch 1 the mean was 1.1× to over
/// 10× the median depending on the load: the table compared one side's mean with the other's median. Both sides now
/// report the same statistic of the same loop.
/// </remarks>
internal static class InferenceRun
{
    /// <summary>Seconds of timed calls per case: bench_pytorch.py's --min-time (2 s; 0.5 s with --quick).</summary>
    private static double MinTime(bool quick) => quick ? 0.5 : 2.0;

    /// <summary>Timed calls per case at least: bench_pytorch.py's --min-reps (5; 3 with --quick).</summary>
    private static int MinReps(bool quick) => quick ? 3 : 5;

    /// <summary>Images/s (median call) of every model, batch and engine of the suite.</summary>
    public static Dictionary<(string Model, int Batch, Engine Engine), double> Run(bool quick)
    {
        var rates = new Dictionary<(string, int, Engine), double>();
        Suite.LoadSamples.Add(Suite.LoadAverage());
        foreach (string model in Suite.Models)
        {
            foreach (int batch in Suite.Batches)
            {
                foreach (Engine engine in Suite.Engines)
                {
                    using var bench = new InferenceBenchmarks { Model = model, Batch = batch, Engine = engine };
                    bench.Setup();
                    var (median, mean, reps) = Time(bench.Forward, quick);
                    bench.Cleanup();
                    rates[(model, batch, engine)] = batch / median;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{model,-9} batch {batch,2} {engine,-25} {batch / median,10:F1} images/s (median call {median * 1e3:F3} ms, mean {mean * 1e3:F3} ms, {reps} calls)"));
                }
            }
        }

        Suite.LoadSamples.Add(Suite.LoadAverage());
        return rates;
    }

    /// <summary>The median and mean seconds per call, and the number of timed calls (bench_pytorch.py's <c>median_rate</c>).</summary>
    internal static (double Median, double Mean, int Reps) Time(Action call, bool quick)
    {
        call(); // warm-up (allocations, oneDNN primitive caches), as median_rate does
        call();
        var times = new List<double>();
        long start = Stopwatch.GetTimestamp();
        while (times.Count < MinReps(quick) || Stopwatch.GetElapsedTime(start).TotalSeconds < MinTime(quick))
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        double mean = times.Average();
        times.Sort();
        int n = times.Count;
        return (n % 2 == 1 ? times[n / 2] : (times[(n / 2) - 1] + times[n / 2]) / 2, mean, n); // statistics.median
    }
}
