using System.Threading.Channels;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// One epoch's workers and queues. The consumer owns a window of <see cref="ImageLoaderOptions.QueueCapacity"/>
/// positions: it puts the first positions on the work channel, and each time it takes the image at position p it
/// puts p + capacity there. Workers read positions, decode and transform, and write the image to the result channel;
/// the consumer reorders by position. At most <c>capacity</c> images are therefore ever decoded and not yet taken,
/// whatever the number of workers or their speed, and the reorder buffer never holds more.
/// </summary>
internal sealed class LoaderPipeline : IDisposable
{
    private readonly ImageLoader loader;
    private readonly int[] order;
    private readonly int epoch;
    private readonly int total;
    private readonly int capacity;
    private readonly Channel<int> work;
    private readonly Channel<Sample> results;
    private readonly Dictionary<int, Sample> ready = [];
    private readonly CancellationTokenSource stop;
    private readonly Task[] workers;

    public LoaderPipeline(ImageLoader loader, int[] order, int epoch, int total, CancellationToken cancellationToken)
    {
        this.loader = loader;
        this.order = order;
        this.epoch = epoch;
        this.total = total;
        capacity = loader.Options.QueueCapacity;
        work = Channel.CreateBounded<int>(new BoundedChannelOptions(capacity) { SingleWriter = true });
        results = Channel.CreateBounded<Sample>(new BoundedChannelOptions(capacity) { SingleReader = true });
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        for (int position = 0; position < Math.Min(capacity, total); position++)
        {
            work.Writer.TryWrite(position);
        }

        workers = [.. Enumerable.Range(0, loader.Options.Workers)
            .Select(_ => Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
    }

    /// <summary>Takes the image at <paramref name="position"/> (blocking until a worker has it) and opens the window by one.</summary>
    /// <exception cref="OperationCanceledException">The epoch was cancelled.</exception>
    public Sample Take(int position)
    {
        stop.Token.ThrowIfCancellationRequested(); // even when the image is already there: a cancelled epoch hands out nothing more
        Sample sample;
        while (!ready.Remove(position, out sample))
        {
            if (!results.Reader.WaitToReadAsync(stop.Token).AsTask().GetAwaiter().GetResult())
            {
                throw new InvalidOperationException($"The loader's workers stopped before position {position} of {total}.");
            }

            while (results.Reader.TryRead(out var next))
            {
                ready.Add(next.Position, next);
            }
        }

        loader.Consumed();
        if (position + capacity < total)
        {
            work.Writer.TryWrite(position + capacity);
        }

        return sample;
    }

    /// <summary>Stops the workers, waits for them, and disposes every image not taken.</summary>
    public void Dispose()
    {
        stop.Cancel();
        work.Writer.TryComplete();
        Task.WaitAll(workers);
        results.Writer.TryComplete();
        while (results.Reader.TryRead(out var left))
        {
            ready.Add(left.Position, left);
        }

        foreach (var sample in ready.Values)
        {
            sample.Image?.Dispose();
            loader.Consumed();
        }

        ready.Clear();
        stop.Dispose();
    }

    private void Work()
    {
        var token = stop.Token;
        try
        {
            while (work.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
            {
                while (!token.IsCancellationRequested && work.Reader.TryRead(out int position))
                {
                    var sample = Load(position);
                    loader.Produced();
                    if (!results.Writer.TryWrite(sample))
                    {
                        // Unreachable while the window holds: at most `capacity` positions are ever out.
                        sample.Image?.Dispose();
                        loader.Consumed();
                        throw new InvalidOperationException($"The loader's result queue is full ({capacity}); the window invariant is broken.");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped: the epoch was cancelled or abandoned.
        }
    }

    private Sample Load(int position)
    {
        int sampleIndex = order[position];
        try
        {
            return new Sample(position, sampleIndex, loader.Load(sampleIndex, epoch), null);
        }
#pragma warning disable CA1031 // Any failure travels to the consumer, who rethrows it in epoch order (or skips a bad file).
        catch (Exception error)
#pragma warning restore CA1031
        {
            return new Sample(position, sampleIndex, null, error);
        }
    }

    /// <summary>One transformed image (or why there is none) at a position of the epoch.</summary>
    internal readonly record struct Sample(int Position, int SampleIndex, Tensor? Image, Exception? Error);
}
