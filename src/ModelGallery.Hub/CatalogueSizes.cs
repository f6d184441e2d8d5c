using ModelGallery.Modeling;
using ModelGallery.Models;

namespace ModelGallery.Hub;

/// <summary>
/// The byte budget of each catalogued weight file: the download of a file is stopped past it (a mirror sending an
/// endless body cannot fill the disk).
/// </summary>
/// <remarks>
/// The sizes are torchvision's published ones (the <c>_file_size</c> meta of its weights, in MiB to three decimals,
/// so within 0.0005 MiB = 525 bytes of the real length); the budget adds that rounding. A file not listed here gets its
/// parameter count × 4 bytes plus 5 % and 1 MiB, which covers the buffers (batch-norm statistics) and the pickle's
/// framing: it would NOT cover GoogLeNet's file, which also holds the two auxiliary classifiers (13.0 M values against
/// 6.6 M parameters), which is why every catalogued file has its measured size here.
/// </remarks>
internal static class CatalogueSizes
{
    private const double MiB = 1 << 20;

    /// <summary>torchvision's published file sizes in MiB, by file name.</summary>
    private static readonly Dictionary<string, double> PublishedMiB = new(StringComparer.Ordinal)
    {
        ["alexnet-owt-7be5be79.pth"] = 233.087,
        ["vgg16-397923af.pth"] = 527.796,
        ["googlenet-1378be20.pth"] = 49.731,
        ["resnet18-f37072fd.pth"] = 44.661,
        ["resnet50-0676ba61.pth"] = 97.781,
        ["resnet50-11ad3fa6.pth"] = 97.79,
        ["resnet101-63fe2227.pth"] = 170.511,
        ["resnet101-cd907fc2.pth"] = 170.53,
    };

    /// <summary>Whether the file's size is recorded here (tests check that every catalogue entry's is).</summary>
    public static bool IsRecorded(string fileName) => PublishedMiB.ContainsKey(fileName);

    /// <summary>The most bytes the entry's file may have: its published size (rounded up), else derived from its parameter count.</summary>
    public static bool IsRecorded(PretrainedWeights weights) => weights.Bytes is not null || IsRecorded(weights.FileName);

    public static long MaxBytesOf(PretrainedWeights weights) => weights.Bytes is { } exact ? exact
        : PublishedMiB.TryGetValue(weights.FileName, out double mib) ? (long)Math.Ceiling((mib + 0.0005) * MiB)
        : (long)Math.Ceiling((weights.Parameters * 4 * 1.05) + MiB);
}
