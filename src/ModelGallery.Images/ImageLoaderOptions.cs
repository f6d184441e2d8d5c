namespace ModelGallery.Images;

/// <summary>How an <see cref="ImageLoader"/> batches, orders and prefetches (torchvision's <c>DataLoader</c> arguments, typed).</summary>
public sealed record ImageLoaderOptions
{
    /// <summary>Images per batch (the last batch may be smaller unless <see cref="DropLast"/>). Default 32.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int BatchSize
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, $"BatchSize must be at least 1; received {value}.");
    } = 32;

    /// <summary>Threads decoding and transforming images. Default 2. The batches do not depend on it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int Workers
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Workers), value, $"Workers must be at least 1; received {value}.");
    } = 2;

    /// <summary>
    /// The most images decoded (or being decoded) ahead of the consumer: the loader's memory bound, in samples.
    /// Default 64 (two batches of 32); a value below <see cref="BatchSize"/> works but leaves workers idle.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int QueueCapacity
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(QueueCapacity), value, $"QueueCapacity must be at least 1; received {value}.");
    } = 64;

    /// <summary>Shuffle the images each epoch (a permutation drawn from <see cref="Seed"/> and the epoch). Default false: folder order.</summary>
    public bool Shuffle { get; init; }

    /// <summary>Leave out the last batch when it would be smaller than <see cref="BatchSize"/>. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Seeds the shuffle and the augmentation; the same seed gives the same batches, bit for bit. Default 0.</summary>
    public int Seed { get; init; }
}
