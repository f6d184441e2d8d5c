using System.CommandLine;
using System.Globalization;
using ModelGallery.Hub;
using ModelGallery.Models;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary><c>weights list | download NAME | path NAME | verify NAME</c>: torchvision's ImageNet weights in the cache.</summary>
internal static class WeightsCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var cache = Downloads.CacheOption();
        var baseUrl = Downloads.BaseUrlOption();
        var list = new Command("list", "List the known ImageNet weights: model, accuracy, size and whether they are cached.") { cache };
        list.SetAction(parse => List(console, parse.GetValue(cache)));

        var download = new Command("download", "Download weights (a name, or the URL of a torchvision-named file) into the cache, verifying their SHA-256; prints the path.") { Name(), cache, baseUrl };
        download.SetAction(async (parse, token) =>
        {
            string name = parse.GetValue<string>("name")!;
            using var downloader = Downloads.Downloader(parse.GetValue(cache), parse.GetValue(baseUrl));
            string path = Uri.TryCreate(name, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                ? await Downloads.FetchAsync(console, downloader, FileAt(url), url.Segments[^1], token)
                : await Downloads.FetchAsync(console, downloader, WeightsChoice.Named(name), token);
            console.WriteLine(path);
            return 0;
        });

        var path = new Command("path", "Print where the weights are (or would be) cached.") { Name(), cache };
        path.SetAction(parse =>
        {
            var weights = WeightsChoice.Named(parse.GetValue<string>("name")!);
            var store = new WeightsCache(parse.GetValue(cache));
            console.WriteLine(Cached(store, weights.ToWeightsFile(), out _) ?? store.PathOf(weights.ToWeightsFile()));
            return 0;
        });

        var verify = new Command("verify", "Check a cached file's SHA-256 against the prefix in its name.") { Name(), cache };
        verify.SetAction(parse =>
        {
            var weights = WeightsChoice.Named(parse.GetValue<string>("name")!);
            var store = new WeightsCache(parse.GetValue(cache));
            string file = store.Find(weights.ToWeightsFile())
                ?? throw new UsageException($"{weights.Name} is not cached (expected at {store.PathOf(weights.ToWeightsFile())}); run: gallery weights download {weights.Name}");
            string hash = weights.VerifyFile(file);
            console.WriteLine($"{file}: SHA-256 {hash} matches {weights.Sha256} ({weights.Label})");
            return 0;
        });

        return new Command("weights", "Pretrained ImageNet weights: list, download, locate and verify them.") { list, download, path, verify };
    }

    private static Argument<string> Name() =>
        new("name") { Description = $"A weights name ({string.Join(", ", WeightsChoice.All.Select(w => w.Name))}) or a model name for its default; download also takes the URL of any file named like torchvision's (<name>-<sha256 prefix>.pth)." };

    /// <summary>A file by URL, its name carrying its SHA-256 prefix as torchvision's do.</summary>
    private static WeightsFile FileAt(Uri url)
    {
        try
        {
            return WeightsFile.FromUrl(url);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{url}: {e.Message}");
        }
    }

    private static int List(IAnsiConsole console, string? cacheFolder)
    {
        var store = new WeightsCache(cacheFolder);
        var table = new Table().Title(Markup.Escape($"ImageNet-1K weights (cache: {store.Directory})"))
            .AddColumn("Name").AddColumn("torchvision").AddColumn(new TableColumn("acc@1").RightAligned()).AddColumn(new TableColumn("acc@5").RightAligned())
            .AddColumn(new TableColumn("Params").RightAligned()).AddColumn("Preset").AddColumn("Cached");
        foreach (var weights in WeightsChoice.All)
        {
            string? cached = Cached(store, weights.ToWeightsFile(), out string? refused);
            table.AddRow(
                Markup.Escape(weights.Name + (weights.IsDefault ? " (default)" : string.Empty)),
                Markup.Escape(weights.TorchvisionName ?? weights.Name),
                weights.Top1.ToString("0.000", CultureInfo.InvariantCulture),
                weights.Top5?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
                weights.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                $"{weights.Preset.ResizeSize}→{weights.Preset.CropSize}",
                cached is not null ? Markup.Escape($"{new FileInfo(cached).Length / 1e6:0.0} MB")
                    : refused is not null ? Markup.Escape(refused) : "no");
        }

        console.Write(table);
        return 0;
    }

    /// <summary>The cached file, or null with <paramref name="refused"/> saying why an entry under its name is not used (`weights verify` gives the detail).</summary>
    private static string? Cached(WeightsCache store, WeightsFile file, out string? refused)
    {
        refused = null;
        try
        {
            return store.Find(file);
        }
        catch (WeightsDownloadException)
        {
            string path = store.PathOf(file);
            refused = File.Exists(path) && new FileInfo(path).LinkTarget is null
                ? $"{new FileInfo(path).Length / 1e6:0.0} MB, not the published file (refused)"
                : "refused: not a regular file";
            return null;
        }
    }
}
