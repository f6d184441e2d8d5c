using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>What the server does with one request for a file instead of serving it plainly.</summary>
/// <param name="Status">Answer with this status and no body.</param>
/// <param name="StallBefore">Wait this long (or until the client gives up) before answering.</param>
/// <param name="DropAfter">Send this many bytes of the body, then abort the connection.</param>
/// <param name="StallAfter">Send this many bytes of the body, then wait until the client gives up.</param>
/// <param name="IgnoreRange">Send the whole file with 200 even when a range is asked for.</param>
/// <param name="Endless">Answer 200 with no Content-Length and send bytes until the client goes.</param>
/// <param name="TrickleEvery">Send the body one byte at a time, this long apart.</param>
/// <param name="RedirectTo">Answer 302 with this Location.</param>
/// <param name="AnnounceLength">Announce this Content-Length (then send the file, or a cut-off part of it).</param>
internal sealed record Fault(int? Status = null, TimeSpan? StallBefore = null, int? DropAfter = null, int? StallAfter = null, bool IgnoreRange = false,
    bool Endless = false, TimeSpan? TrickleEvery = null, string? RedirectTo = null, long? AnnounceLength = null);

/// <summary>One request the server received.</summary>
internal sealed record ServedRequest(string Path, string? Range);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) serving weight files the tests make: random bytes named
/// with their own SHA-256 prefix, honouring <c>Range</c>, counting requests, and injecting <see cref="Fault"/>s.
/// </summary>
internal sealed class WeightsServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource stopping = new();
    private readonly ConcurrentDictionary<string, (byte[] Content, ConcurrentQueue<Fault> Faults)> files = new();

    private WeightsServer(WebApplication app, Uri root)
    {
        this.app = app;
        Root = root;
    }

    /// <summary>The server's root URL, ending in '/'.</summary>
    public Uri Root { get; }

    /// <summary>Every request so far, in arrival order.</summary>
    public ConcurrentQueue<ServedRequest> Requests { get; } = new();

    /// <summary>Starts a server on 127.0.0.1 at a free port.</summary>
    public static async Task<WeightsServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var app = builder.Build();
        WeightsServer? server = null;
        app.Run(context => server!.ServeAsync(context));
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new WeightsServer(app, new Uri(address.TrimEnd('/') + "/"));
        return server;
    }

    /// <summary>
    /// Serves <paramref name="length"/> random bytes as <c>models/&lt;stem&gt;-&lt;sha256 prefix&gt;.pth</c>; the
    /// <paramref name="faults"/> apply to the first requests, one each, in order.
    /// </summary>
    public (WeightsFile File, byte[] Content) Add(string stem, int length = 300_000, params Fault[] faults)
    {
        byte[] content = RandomNumberGenerator.GetBytes(length);
        string name = $"{stem}-{Convert.ToHexStringLower(SHA256.HashData(content))[..8]}.pth";
        files[name] = (content, new ConcurrentQueue<Fault>(faults));
        return (WeightsFile.FromUrl(new Uri(Root, "models/" + name)), content);
    }

    /// <summary>Serves a given file's bytes as <c>models/&lt;its name&gt;</c> (a name that carries its hash prefix).</summary>
    public WeightsFile AddFile(string path, params Fault[] faults)
    {
        string name = System.IO.Path.GetFileName(path);
        files[name] = (File.ReadAllBytes(path), new ConcurrentQueue<Fault>(faults));
        return WeightsFile.FromUrl(new Uri(Root, "models/" + name));
    }

    /// <summary>Serves <paramref name="bytes"/> under <paramref name="file"/>'s name instead of its own content.</summary>
    public void Replace(WeightsFile file, byte[] bytes) => files[file.FileName] = (bytes, files[file.FileName].Faults);

    /// <summary>Adds faults for the next requests of <paramref name="file"/>.</summary>
    public void AddFaults(WeightsFile file, params Fault[] faults)
    {
        foreach (var fault in faults)
        {
            files[file.FileName].Faults.Enqueue(fault);
        }
    }

    /// <summary>The requests for <paramref name="file"/> (by name, under any path).</summary>
    public ServedRequest[] RequestsFor(WeightsFile file) => [.. Requests.Where(r => r.Path.EndsWith("/" + file.FileName, StringComparison.Ordinal))];

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await app.StopAsync();
        await app.DisposeAsync();
        stopping.Dispose();
    }

    private async Task ServeAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "/";
        string? range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        Requests.Enqueue(new ServedRequest(path, range));
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping.Token);
        if (!files.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var served))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var fault = served.Faults.TryDequeue(out var next) ? next : new Fault();
        if (fault.StallBefore is { } stall && !await Wait(stall, gone.Token))
        {
            return;
        }

        if (fault.Status is { } status)
        {
            context.Response.StatusCode = status;
            return;
        }

        if (fault.RedirectTo is { } location)
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = location;
            return;
        }

        if (fault.Endless)
        {
            context.Response.StatusCode = 200;
            byte[] chunk = new byte[1 << 16];
            while (!gone.IsCancellationRequested && await Send(context, chunk, gone.Token))
            {
            }

            return;
        }

        byte[] content = served.Content;
        long from = range is not null && !fault.IgnoreRange && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-')
            ? long.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        if (from >= content.Length)
        {
            context.Response.StatusCode = 416;
            context.Response.Headers.ContentRange = $"bytes */{content.Length}";
            return;
        }

        context.Response.StatusCode = from > 0 ? 206 : 200;
        if (from > 0)
        {
            context.Response.Headers.ContentRange = $"bytes {from}-{content.Length - 1}/{content.Length}";
        }

        context.Response.ContentLength = fault.AnnounceLength ?? content.Length - from;
        if (fault.TrickleEvery is { } every)
        {
            for (long i = from; i < content.Length && await Send(context, content.AsMemory((int)i, 1), gone.Token) && await Wait(every, gone.Token); i++)
            {
            }

            return;
        }

        int first = Math.Min(fault.DropAfter ?? fault.StallAfter ?? int.MaxValue, content.Length - (int)from);
        await context.Response.Body.WriteAsync(content.AsMemory((int)from, first), gone.Token);
        await context.Response.Body.FlushAsync(gone.Token);
        if (fault.DropAfter is not null)
        {
            context.Abort();
            return;
        }

        if (fault.StallAfter is not null)
        {
            await Wait(Timeout.InfiniteTimeSpan, gone.Token);
            return;
        }

        await context.Response.Body.WriteAsync(content.AsMemory((int)from + first), gone.Token);
    }

    /// <summary>Sends bytes and flushes them; false when the client has gone.</summary>
    private static async Task<bool> Send(HttpContext context, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        try
        {
            await context.Response.Body.WriteAsync(bytes, token);
            await context.Response.Body.FlushAsync(token);
            return true;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>Waits, unless the client goes or the server stops first; true when the whole time passed.</summary>
    private static async Task<bool> Wait(TimeSpan time, CancellationToken token)
    {
        try
        {
            await Task.Delay(time, token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
