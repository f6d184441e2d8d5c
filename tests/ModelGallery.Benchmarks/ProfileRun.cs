using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ModelGallery.Models;
using ModelGallery.Zoo;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// Where eager time goes, per layer kind, beside PyTorch (<c>--profile</c>): one eval-mode forward at one batch size,
/// timed layer by layer with a pre- and a post-hook on every leaf module (CPU kernels are synchronous), summed per
/// kind (convolutions by kernel size); what runs outside leaf modules (concatenation, residual sums, flattening,
/// functional ReLUs) is the total minus the leaves. Both layouts are profiled on each side and each side is reported in
/// its faster one (totals timed without hooks). Reference/profile_pytorch.py does the same in PyTorch.
/// </summary>
internal static class ProfileRun
{
    private const int Warmup = 2, Repetitions = 7;
    private const string Outside = "outside leaf modules";

    public static string Run(int batch, bool allowReferenceBlas)
    {
        set_num_threads(Suite.Threads);
        List<string> arguments = ["--out", Suite.Output, "--threads", Suite.Threads.ToString(CultureInfo.InvariantCulture), "--batch", batch.ToString(CultureInfo.InvariantCulture), "--models", string.Join(',', Suite.Models)];
        if (allowReferenceBlas)
        {
            arguments.Add("--allow-reference-blas");
        }

        Reference.Run("profile_pytorch.py", arguments, "python3-torch and python3-torchvision (apt) with libopenblas0-pthread");
        using var pytorch = JsonDocument.Parse(File.ReadAllText(Path.Combine(Suite.Output, "profile-pytorch.json")));
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Eager forward time per layer kind, ms per batch of {batch} ({Suite.Threads} threads; {Suite.TorchSharpSetup} PyTorch {pytorch.RootElement.GetProperty("torch").GetString()}); each side in its faster layout:").AppendLine()
            .AppendLine("| model | layer kind | TorchSharp ms | PyTorch ms | TorchSharp ÷ PyTorch time | share of TorchSharp's time |")
            .AppendLine("|---|---|---:|---:|---:|---:|");
        foreach (string name in Suite.Models)
        {
            LayerProfile nchw = Profile(name, batch, channelsLast: false), channelsLast = Profile(name, batch, channelsLast: true);
            var ours = channelsLast.Total < nchw.Total ? channelsLast : nchw;
            var theirs = pytorch.RootElement.GetProperty("models").GetProperty(name).EnumerateObject()
                .Select(layout => (Layout: layout.Name, Total: layout.Value.GetProperty("total_ms").GetDouble(),
                    Kinds: layout.Value.GetProperty("kinds").EnumerateObject().ToDictionary(kind => kind.Name, kind => kind.Value.GetDouble())))
                .MinBy(profile => profile.Total);
            Console.WriteLine($"profile {name}: TorchSharp {ours.Total:F2} ms ({ours.Layout}), PyTorch {theirs.Total:F2} ms ({theirs.Layout})");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | **whole forward** ({ours.Layout} / {theirs.Layout}) | {ours.Total:F2} | {theirs.Total:F2} | **{ours.Total / theirs.Total:F2}×** | 100 % |");
            foreach (string kind in ours.Kinds.Keys.Union(theirs.Kinds.Keys).OrderByDescending(kind => ours.Kinds.GetValueOrDefault(kind)))
            {
                double mine = ours.Kinds.GetValueOrDefault(kind), other = theirs.Kinds.GetValueOrDefault(kind);
                string ratio = mine > 0 && other > 0 ? $"{mine / other:F2}×" : "—";
                text.AppendLine(CultureInfo.InvariantCulture, $"| | {kind} | {mine:F2} | {other:F2} | {ratio} | {100 * mine / ours.Total:F0} % |");
            }
        }

        return text.ToString();
    }

    private sealed record LayerProfile(string Layout, double Total, Dictionary<string, double> Kinds);

    private static LayerProfile Profile(string name, int batch, bool channelsLast)
    {
        using var model = ModelZoo.Create(name);
        model.eval();
        if (channelsLast)
        {
            model.UseChannelsLast();
        }

        var input = model.Input;
        using var images = randn([batch, input.Channels, input.Height, input.Width], generator: new Generator(42));
        var totals = new List<double>();
        using (inference_mode())
        {
            for (int i = 0; i < Warmup + Repetitions; i++)
            {
                using var scope = NewDisposeScope();
                long start = Stopwatch.GetTimestamp();
                model.call(images);
                if (i >= Warmup)
                {
                    totals.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }
        }

        var reps = new List<Dictionary<string, double>>();
        var started = new Dictionary<nn.Module, long>(ReferenceEqualityComparer.Instance);
        var removers = new List<Action>();
        foreach (var (_, module) in model.named_modules())
        {
            if (module.children().Any() || module is not nn.Module<Tensor, Tensor> leaf)
            {
                continue;
            }

            string kind = Kind(module);
            removers.Add(leaf.register_forward_pre_hook((m, x) => { started[m] = Stopwatch.GetTimestamp(); return x; }).remove);
            removers.Add(leaf.register_forward_hook((m, _, y) =>
            {
                var spent = reps[^1];
                spent[kind] = spent.GetValueOrDefault(kind) + Stopwatch.GetElapsedTime(started[m]).TotalMilliseconds;
                return y;
            }).remove);
        }

        try
        {
            using var inference = inference_mode();
            for (int i = 0; i < Warmup + Repetitions; i++)
            {
                reps.Add([]);
                using var scope = NewDisposeScope();
                long start = Stopwatch.GetTimestamp();
                model.call(images);
                double total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                reps[^1][Outside] = Math.Max(0, total - reps[^1].Values.Sum());
            }
        }
        finally
        {
            removers.ForEach(remove => remove());
        }

        var timed = reps.Skip(Warmup).ToList();
        var kinds = timed.SelectMany(rep => rep.Keys).Distinct().ToDictionary(kind => kind, kind => Median(timed.Select(rep => rep.GetValueOrDefault(kind))));
        return new LayerProfile(channelsLast ? "channels_last" : "nchw", Median(totals), kinds);
    }

    private static string Kind(nn.Module module) => module switch
    {
        Conv2d conv => $"Conv2d {conv.kernel_size[0]}x{conv.kernel_size[^1]}",
        _ when module.GetType().Name == "FastLocalResponseNorm" => "LocalResponseNorm",
        _ => module.GetType().Name,
    };

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
