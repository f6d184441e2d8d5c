using System.CommandLine;
using ModelGallery.Hub;
using ModelGallery.Modeling;
using ModelGallery.Models;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary>The weights cache and downloads of the CLI: <c>--cache</c>, <c>--base-url</c> and a progress bar (bytes, rate, ETA).</summary>
internal static class Downloads
{
    /// <summary><c>--cache DIR</c>: where downloaded weights are kept.</summary>
    public static Option<string?> CacheOption() =>
        new("--cache") { Description = "The weights cache folder (default: $MODELGALLERY_HOME, else $XDG_CACHE_HOME/modelgallery or ~/.cache/modelgallery)." };

    /// <summary><c>--base-url URL</c>: a mirror that serves the files under their torchvision names.</summary>
    public static Option<string?> BaseUrlOption()
    {
        var option = new Option<string?>("--base-url") { Description = "A mirror serving the files by name (default: $MODELGALLERY_WEIGHTS_URL, else download.pytorch.org)." };
        option.Validators.Add(result =>
        {
            string? value = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (value is not null && !(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
            {
                result.AddError($"--base-url must be an absolute http or https URL; received '{value}'.");
            }
        });
        return option;
    }

    /// <summary>A downloader for the options given.</summary>
    /// <exception cref="UsageException"><c>MODELGALLERY_WEIGHTS_URL</c> is not an http(s) URL.</exception>
    public static WeightsDownloader Downloader(string? cache, string? baseUrl)
    {
        try
        {
            return new(new WeightsCache(cache), new WeightsDownloadOptions { BaseUrl = baseUrl is null ? null : new Uri(baseUrl) });
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message); // the environment's value is the user's input, like an option's
        }
    }

    /// <summary>The weights' file, with a downloader for <c>--cache</c> and <c>--base-url</c>.</summary>
    public static async Task<string> FetchAsync(IAnsiConsole console, PretrainedWeights weights, string? cache, string? baseUrl, CancellationToken cancellationToken)
    {
        using var downloader = Downloader(cache, baseUrl);
        return await FetchAsync(console, downloader, weights, cancellationToken);
    }

    /// <summary>The weights' file: from the cache (ours or PyTorch's), else downloaded with a progress bar.</summary>
    public static Task<string> FetchAsync(IAnsiConsole console, WeightsDownloader downloader, PretrainedWeights weights, CancellationToken cancellationToken) =>
        FetchAsync(console, downloader, weights.ToWeightsFile(), weights.Name, cancellationToken);

    /// <summary>A file: from the cache (ours or PyTorch's), else downloaded with a progress bar.</summary>
    public static async Task<string> FetchAsync(IAnsiConsole console, WeightsDownloader downloader, WeightsFile file, string label, CancellationToken cancellationToken)
    {
        if (downloader.Cache.Find(file) is { } cached)
        {
            return cached;
        }

        console.MarkupLine($"Downloading {Markup.Escape(label)} from {Markup.Escape(downloader.SourceOf(file).ToString())}");
        return await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(file.FileName), maxValue: double.MaxValue);
                string path = await downloader.GetAsync(file, new TaskProgress(task, file.FileName), cancellationToken);
                task.Value = task.MaxValue;
                return path;
            });
    }

    /// <summary>Reports straight into the progress bar (not through a synchronisation context, which would lag behind).</summary>
    private sealed class TaskProgress(ProgressTask task, string name) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            task.Description = Markup.Escape(value.WaitingFor is { } holder ? $"{name}: waiting for another download ({holder})" : name);
            if (value.TotalBytes is { } total)
            {
                task.MaxValue = total;
            }

            task.Value = value.BytesReceived;
        }
    }
}
