using System.Runtime.ExceptionServices;
using ModelGallery.Data;
using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// Batches of an <see cref="ImageFolder"/> as tensors (torchvision's <c>DataLoader</c> over an <c>ImageFolder</c>):
/// images decoded and transformed on <see cref="ImageLoaderOptions.Workers"/> threads, at most
/// <see cref="ImageLoaderOptions.QueueCapacity"/> ahead of the consumer, reassembled in order.
/// </summary>
/// <remarks>
/// <para>Deterministic: an epoch's order is a permutation drawn from (seed, epoch), and each image's augmentation from
/// its own <see cref="Random"/> seeded from (seed, epoch, sample index), so the batches are bit for bit the same for
/// any number of workers and any timing.</para>
/// <para>Bad files under <see cref="ImageFolderOptions.SkipBadFiles"/> are <b>dropped</b>, never replaced: the batch is smaller by
/// one and <see cref="ImageBatch.Skipped"/> counts it (a batch whose images all fail is left out). Under
/// the default (<see cref="ImageFolderOptions.SkipBadFiles"/> false) the first bad file in epoch order stops the epoch with an
/// <see cref="ImageFolderException"/>; <see cref="ImageFolder.Validate"/> finds them all before training.</para>
/// <para>Memory: the queue holds at most <see cref="ImageLoaderOptions.QueueCapacity"/> transformed images, plus the
/// batch being assembled; each worker disposes its temporaries in one dispose scope per image. An image of more than
/// 16 megapixels (from its header) is decoded and transformed by one worker at a time, so a folder of huge images
/// costs one huge image's transient memory (see <see cref="ImageFile"/>: up to 7 bytes a pixel to decode, plus the
/// transform's own), not one per worker; <see cref="ImageReadOptions.MaxPixels"/> bounds that image. Cancelling, breaking
/// out of the loop or an exception stops the workers and disposes every image not yet handed out.</para>
/// </remarks>
public sealed class ImageLoader
{
    /// <summary>
    /// The default threshold of <see cref="LargeImagePixels"/>: 16 megapixels (a 4912 × 3264 camera photo is 16.0), about
    /// 110 MB to decode and 300 MB through the tensor preset.
    /// </summary>
    internal const long DefaultLargeImagePixels = 16_000_000;

    private readonly ClassificationPreset? training;
    private readonly ClassificationPreset? evaluation;
    private readonly Lock largeImages = new();
    private int pending;
    private int peakPending;
    private int largeInFlight;
    private int peakLargeInFlight;

    private ImageLoader(ImageFolder folder, ImageLoaderOptions options, ClassificationPreset? training, ClassificationPreset? evaluation)
    {
        Folder = folder;
        Options = options;
        this.training = training;
        this.evaluation = evaluation;
    }

    /// <summary>The images.</summary>
    public ImageFolder Folder { get; }

    /// <summary>Batch size, workers, queue, order and seed.</summary>
    public ImageLoaderOptions Options { get; }

    /// <summary>Batches per epoch when no image is skipped.</summary>
    public int BatchesPerEpoch => Options.DropLast ? Folder.Count / Options.BatchSize : (Folder.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Images decoded and not yet taken by the consumer, now (instrumentation for the memory-bound tests).</summary>
    internal int Pending => Volatile.Read(ref pending);

    /// <summary>The most images ever decoded and not yet taken by the consumer at once.</summary>
    internal int PeakPending => Volatile.Read(ref peakPending);

    /// <summary>Images with more pixels than this (from the header) are decoded and transformed one at a time across the workers: <see cref="DefaultLargeImagePixels"/> unless a test lowers it.</summary>
    internal long LargeImagePixels { get; set; } = DefaultLargeImagePixels;

    /// <summary>The most large images ever decoded or transformed at once (instrumentation for the memory-bound tests).</summary>
    internal int PeakLargeInFlight => Volatile.Read(ref peakLargeInFlight);

    /// <summary>Called on the worker before each decode with whether the image is large (a test hook).</summary>
    internal Action<bool>? OnLargeImage { get; set; }

    /// <summary>A loader that augments each image with the training half of <paramref name="preset"/> (<see cref="ClassificationPreset.ApplyTraining"/>: random resized crop and flip).</summary>
    /// <param name="folder">The images.</param>
    /// <param name="preset">The preset whose training half is applied; each image gets its own seeded <see cref="Random"/>.</param>
    /// <param name="options">Batching and order; <see cref="ImageLoaderOptions.Shuffle"/> is usually true for training.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ImageLoader ForTraining(ImageFolder folder, ClassificationPreset preset, ImageLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(options);
        return new ImageLoader(folder, options, preset, null);
    }

    /// <summary>A loader that applies the deterministic evaluation preset (resize, centre crop, normalise).</summary>
    /// <param name="folder">The images.</param>
    /// <param name="preset">The evaluation transform.</param>
    /// <param name="options">Batching and order; evaluation usually keeps the defaults (no shuffle, no drop).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ImageLoader ForEvaluation(ImageFolder folder, ClassificationPreset preset, ImageLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(options);
        return new ImageLoader(folder, options, null, preset);
    }

    /// <summary>The batches of one epoch, lazily: workers start at the first <c>MoveNext</c> and stop when the enumeration ends or is disposed.</summary>
    /// <param name="epoch">The epoch, from 0; with the seed it picks the order and the augmentations.</param>
    /// <param name="cancellationToken">Stops the workers; the pending <c>MoveNext</c> throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>Batches in order; each is the consumer's to dispose.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epoch"/> is negative.</exception>
    /// <exception cref="ImageFolderException">While enumerating, under the default (<see cref="ImageFolderOptions.SkipBadFiles"/> false): an image cannot be decoded.</exception>
    public IEnumerable<ImageBatch> Epoch(int epoch, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        return Batches(epoch, cancellationToken);
    }

    /// <summary>The order of an epoch: sample indices, shuffled by a <see cref="Random"/> seeded from (seed, epoch) when asked.</summary>
    internal int[] Order(int epoch)
    {
        int[] order = [.. Enumerable.Range(0, Folder.Count)];
        if (Options.Shuffle)
        {
            new Random(Seeds.Shuffle(Options.Seed, epoch)).Shuffle(order);
        }

        return order;
    }

    /// <summary>Decodes and transforms one image on a worker thread; the result is detached from any dispose scope.</summary>
    internal Tensor Load(int sampleIndex, int epoch)
    {
        string path = Folder.Samples[sampleIndex].Path;
        byte[] encoded = ImageFile.ReadEncoded(path);
        // A large image is decoded and transformed by one worker at a time: its buffers (up to 7 bytes a pixel to
        // decode, more in the transform) do not multiply with the number of workers.
        bool large = SkiaDecoder.Pixels(encoded) > LargeImagePixels;
        if (large)
        {
            largeImages.Enter();
            Track(ref largeInFlight, ref peakLargeInFlight);
        }

        try
        {
            OnLargeImage?.Invoke(large);
            using var scope = NewDisposeScope();
            var image = ImageFile.Decode(encoded, path, Folder.Options.ReadOptions);
            var result = training is not null
                ? training.ApplyTraining(image, new Random(Seeds.Sample(Options.Seed, epoch, sampleIndex)))
                : evaluation!.Apply(image);
            return result.MoveToOuterDisposeScope();
        }
        finally
        {
            if (large)
            {
                Interlocked.Decrement(ref largeInFlight);
                largeImages.Exit();
            }
        }
    }

    /// <summary>Counts an image decoded and not yet consumed.</summary>
    internal void Produced() => Track(ref pending, ref peakPending);

    private static void Track(ref int count, ref int peakCount)
    {
        int now = Interlocked.Increment(ref count);
        for (int peak = Volatile.Read(ref peakCount); now > peak && Interlocked.CompareExchange(ref peakCount, now, peak) != peak; peak = Volatile.Read(ref peakCount))
        {
        }
    }

    /// <summary>Counts an image taken by the consumer (or disposed unconsumed).</summary>
    internal void Consumed() => Interlocked.Decrement(ref pending);

    private IEnumerable<ImageBatch> Batches(int epoch, CancellationToken cancellationToken)
    {
        int[] order = Order(epoch);
        int batches = BatchesPerEpoch;
        using var pipeline = new LoaderPipeline(this, order, epoch, Math.Min(order.Length, batches * Options.BatchSize), cancellationToken);
        for (int b = 0; b < batches; b++)
        {
            var batch = Assemble(pipeline, b, Math.Min(Options.BatchSize, order.Length - (b * Options.BatchSize)));
            if (batch is not null)
            {
                yield return batch;
            }
        }
    }

    private ImageBatch? Assemble(LoaderPipeline pipeline, int index, int size)
    {
        var images = new List<Tensor>(size);
        var indices = new List<int>(size);
        int skipped = 0;
        try
        {
            for (int k = 0; k < size; k++)
            {
                var sample = pipeline.Take((index * Options.BatchSize) + k);
                if (sample.Image is not null)
                {
                    images.Add(sample.Image);
                    indices.Add(sample.SampleIndex);
                }
                else if (sample.Error is ImageDecodeException or IOException or UnauthorizedAccessException && Folder.Options.SkipBadFiles)
                {
                    skipped++;
                }
                else
                {
                    Throw(sample);
                }
            }

            if (images.Count == 0)
            {
                return null;
            }

            using var scope = NewDisposeScope();
            var stacked = stack(images);
            var labels = tensor(indices.Select(i => (long)Folder.Samples[i].Label).ToArray(), dtype: ScalarType.Int64);
            return new ImageBatch(index, stacked.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), indices, skipped);
        }
        finally
        {
            images.ForEach(image => image.Dispose());
        }
    }

    private void Throw(LoaderPipeline.Sample sample)
    {
        string path = Folder.Samples[sample.SampleIndex].Path;
        if (sample.Error is ImageDecodeException or IOException or UnauthorizedAccessException)
        {
            throw new ImageFolderException(Folder.Root,
                $"Cannot load '{path}' (SkipBadFiles = false): {sample.Error.Message} Remove it, run ImageFolder.Validate with SkipBadFiles = true, or open the folder with SkipBadFiles = true.",
                [(path, sample.Error.Message)], sample.Error);
        }

        ExceptionDispatchInfo.Capture(sample.Error!).Throw();
    }
}
