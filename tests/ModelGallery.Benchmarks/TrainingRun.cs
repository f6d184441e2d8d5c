using System.Globalization;

namespace ModelGallery.Benchmarks;

/// <summary>
/// The training table's .NET side: each step timed on its own and the median step giving steps/s, as
/// Reference/bench_pytorch.py times PyTorch's steps (see <see cref="InferenceRun"/> for why not iteration means).
/// </summary>
internal static class TrainingRun
{
    /// <summary>Steps/s (median step) of the training cases of the chosen models, NCHW (false) and channels-last (true).</summary>
    public static Dictionary<(TrainingCase Case, bool ChannelsLast), double> Run(bool quick)
    {
        var rates = new Dictionary<(TrainingCase, bool), double>();
        foreach (TrainingCase trainingCase in Suite.TrainingCases.Where(c => Suite.Models.Contains(c.Model)))
        {
            foreach (bool channelsLast in new[] { false, true })
            {
                using var bench = new TrainingBenchmarks { Case = trainingCase, ChannelsLast = channelsLast };
                bench.Setup();
                var (median, mean, reps) = InferenceRun.Time(bench.Step, quick);
                bench.Cleanup();
                rates[(trainingCase, channelsLast)] = 1 / median;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"train {trainingCase,-14} {(channelsLast ? "channels-last" : "NCHW"),-13} {1 / median,8:F2} steps/s (median step {median * 1e3:F1} ms, mean {mean * 1e3:F1} ms, {reps} steps)"));
            }
        }

        return rates;
    }
}
