using System.Diagnostics;
using System.Globalization;
using System.Text;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// Batch-1 latency per call (not throughput): after warm-up, single calls timed one by one until 300 calls or 10 s
/// (at least 30), reported as the median (p50) and the 99th percentile. The eager model runs as a served model would
/// (eval, channels-last, batch norm folded with <c>--fold</c>, <c>inference_mode</c> and a dispose scope per call); ONNX Runtime on both
/// exports. With several rounds the three engines take turns, each round a share of the calls and time (after its own
/// warm-up), and each engine's percentiles are taken over all its calls, so a drift in the machine's speed reaches all
/// three alike. Goal of the performance issue: the best path's p50 ≤ ONNX Runtime's on PyTorch's export.
/// </summary>
internal static class LatencyRun
{
    private const int MaxCalls = 300, MinCalls = 30, WarmupCalls = 10;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    public static string Run(bool quick, int rounds = 1)
    {
        set_num_threads(Suite.Threads);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Batch-1 latency per call, ms (p50 / p99 of up to {MaxCalls} calls or {Budget.TotalSeconds:0} s, {Suite.Threads} threads{(rounds > 1 ? $", the engines taking turns in {rounds} rounds" : string.Empty)}):").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"| model | eager (channels-last{(Suite.FoldBatchNorm ? ", folded" : string.Empty)}) | ORT (our export) | ORT (PyTorch export) | best p50 ÷ ORT (PyTorch export) p50 | goal: best p50 ≤ ORT (PyTorch export) |")
            .AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (string name in Suite.Models)
        {
            var input = ModelZoo.Get(name).Input;
            using var images = randn([1, input.Channels, input.Height, input.Width], generator: new Generator(42));
            float[] values = images.data<float>().ToArray();
            long[] shape = images.shape;

            using var model = ModelZoo.Create(name);
            model.eval();
            model.UseChannelsLast();
            if (Suite.FoldBatchNorm)
            {
                model.FoldBatchNorm();
            }

            using var ourSession = File.Exists(Suite.OurOnnx(name)) ? new OnnxClassifier(Suite.OurOnnx(name), Suite.Threads) : null;
            using var theirSession = File.Exists(Suite.PyTorchOnnx(name)) ? new OnnxClassifier(Suite.PyTorchOnnx(name), Suite.Threads) : null;
            Action?[] calls =
            [
                () =>
                {
                    using var scope = NewDisposeScope();
                    using var inference = inference_mode();
                    model.call(images);
                },
                ourSession is null ? null : () => ourSession.Run(values, shape),
                theirSession is null ? null : () => theirSession.Run(values, shape),
            ];
            var times = calls.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < rounds; round++)
            {
                for (int engine = 0; engine < calls.Length; engine++)
                {
                    if (calls[engine] is { } call)
                    {
                        Measure(call, quick, rounds, times[engine]);
                    }
                }
            }

            Latency? eager = Summarize(times[0]), ours = Summarize(times[1]), theirs = Summarize(times[2]);
            double best = new[] { eager, ours }.OfType<Latency>().Min(l => l.P50);
            string ratio = theirs is null ? "–" : Results.Times(best / theirs.P50);
            string met = theirs is null ? "not measured" : best <= theirs.P50 ? "met" : "not met";
            Console.WriteLine($"{name}: eager {eager}, ORT ours {ours?.ToString() ?? "–"}, ORT PyTorch export {theirs?.ToString() ?? "–"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {eager} | {ours?.ToString() ?? "–"} | {theirs?.ToString() ?? "–"} | {ratio} | {met} |");
        }

        return text.ToString();
    }

    /// <summary>One engine's share of a round: warm-up calls, then calls timed one by one, appended to <paramref name="times"/>.</summary>
    private static void Measure(Action call, bool quick, int rounds, List<double> times)
    {
        for (int i = 0; i < WarmupCalls; i++)
        {
            call();
        }

        int maxCalls = Math.Max(1, MaxCalls / rounds), minCalls = Math.Max(1, MinCalls / rounds), count = 0;
        var budget = (quick ? TimeSpan.FromSeconds(2) : Budget) / rounds;
        var total = Stopwatch.StartNew();
        while (count < maxCalls && (count < minCalls || total.Elapsed < budget))
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            count++;
        }
    }

    private static Latency? Summarize(List<double> times)
    {
        if (times.Count == 0)
        {
            return null;
        }

        times.Sort();
        return new Latency(Percentile(times, 0.50), Percentile(times, 0.99), times.Count);
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed record Latency(double P50, double P99, int Calls)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Ms(P50)} / {Ms(P99)}");

        private static string Ms(double value) => value >= 100 ? value.ToString("F0", CultureInfo.InvariantCulture) : value >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture) : value.ToString("F2", CultureInfo.InvariantCulture);
    }
}
