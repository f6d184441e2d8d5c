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
/// exports. Goal of the performance issue: the best path's p50 ≤ ONNX Runtime's on PyTorch's export.
/// </summary>
internal static class LatencyRun
{
    private const int MaxCalls = 300, MinCalls = 30, WarmupCalls = 10;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    public static string Run(bool quick)
    {
        set_num_threads(Suite.Threads);
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Batch-1 latency per call, ms (p50 / p99 of up to {MaxCalls} calls or {Budget.TotalSeconds:0} s, {Suite.Threads} threads):").AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"| model | eager (channels-last{(Suite.FoldBatchNorm ? ", folded" : string.Empty)}) | ORT (our export) | ORT (PyTorch export) | best p50 ÷ ORT (PyTorch export) p50 | goal: best p50 ≤ ORT (PyTorch export) |")
            .AppendLine("|---|---:|---:|---:|---:|---|");
        foreach (string name in Suite.Models)
        {
            var input = ModelZoo.Get(name).Input;
            using var images = randn([1, input.Channels, input.Height, input.Width], generator: new Generator(42));
            float[] values = images.data<float>().ToArray();
            long[] shape = images.shape;

            Latency? eager;
            using (var model = ModelZoo.Create(name))
            {
                model.eval();
                model.UseChannelsLast();
                if (Suite.FoldBatchNorm)
                {
                    model.FoldBatchNorm();
                }

                eager = Measure(() =>
                {
                    using var scope = NewDisposeScope();
                    using var inference = inference_mode();
                    model.call(images);
                }, quick);
            }

            Latency? Onnx(string path)
            {
                if (!File.Exists(path))
                {
                    return null;
                }

                using var session = new OnnxClassifier(path, Suite.Threads);
                return Measure(() => session.Run(values, shape), quick);
            }

            Latency? ours = Onnx(Suite.OurOnnx(name)), theirs = Onnx(Suite.PyTorchOnnx(name));
            double best = new[] { eager, ours }.OfType<Latency>().Min(l => l.P50);
            string ratio = theirs is null ? "–" : Results.Times(best / theirs.P50);
            string met = theirs is null ? "not measured" : best <= theirs.P50 ? "met" : "not met";
            Console.WriteLine($"{name}: eager {eager}, ORT ours {ours?.ToString() ?? "–"}, ORT PyTorch export {theirs?.ToString() ?? "–"}");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {eager} | {ours?.ToString() ?? "–"} | {theirs?.ToString() ?? "–"} | {ratio} | {met} |");
        }

        return text.ToString();
    }

    private static Latency Measure(Action call, bool quick)
    {
        for (int i = 0; i < WarmupCalls; i++)
        {
            call();
        }

        var times = new List<double>();
        var total = Stopwatch.StartNew();
        var budget = quick ? TimeSpan.FromSeconds(2) : Budget;
        while (times.Count < MaxCalls && (times.Count < MinCalls || total.Elapsed < budget))
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
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
