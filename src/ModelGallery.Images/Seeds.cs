namespace ModelGallery.Images;

/// <summary>
/// Seeds derived from the loader's seed, so that each random choice depends only on what it is for, never on which
/// thread makes it or when: SplitMix64's finaliser (Steele, Lea and Flood, 2014) over the packed inputs.
/// </summary>
internal static class Seeds
{
    /// <summary>The seed of one image's augmentation in one epoch.</summary>
    public static int Sample(int seed, int epoch, int sampleIndex) => Derive(seed, epoch, (uint)sampleIndex);

    /// <summary>The seed of an epoch's shuffle (a stream no image index can reach: indices are below 2³¹).</summary>
    public static int Shuffle(int seed, int epoch) => Derive(seed, epoch, uint.MaxValue);

    private static int Derive(int seed, int epoch, uint stream)
    {
        ulong state = Mix((uint)seed);
        state = Mix(state ^ (uint)epoch);
        state = Mix(state ^ stream);
        return (int)(state >> 33); // 31 bits: a non-negative int for Random(int)
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
