using System.Globalization;

namespace ModelGallery.Hub;

/// <summary>
/// One weight file to download: where it is, the name it is cached under, and the prefix of its SHA-256 that the
/// downloaded bytes must match. torchvision names its files this way (<c>resnet18-f37072fd.pth</c>: the hex after
/// the last '-' starts the file's SHA-256), and torch.hub checks exactly that prefix.
/// </summary>
public sealed record WeightsFile
{
    /// <summary>The shortest hash prefix accepted, in hex digits (torchvision's names carry 8).</summary>
    public const int MinimumPrefixLength = 8;

    /// <summary>The byte budget of a file whose size nobody recorded: 4 GiB.</summary>
    public const long DefaultMaxBytes = 4L << 30;

    /// <summary>Describes a weight file; every argument is checked.</summary>
    /// <param name="url">Where the file is served: an absolute http or https URL.</param>
    /// <param name="fileName">The name it is cached under: a file name, with no folder part.</param>
    /// <param name="sha256Prefix">At least 8 (at most 64) hex digits that the file's SHA-256 starts with; kept in lower case.</param>
    /// <exception cref="ArgumentException">An argument is not of the form described.</exception>
    public WeightsFile(Uri url, string fileName, string sha256Prefix)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(sha256Prefix);
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Expected an absolute http or https URL; received '{url}'.", nameof(url));
        }

        if (fileName.Length == 0 || fileName is "." or ".." || fileName.IndexOfAny(['/', '\\', ':']) >= 0
            || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || fileName.Trim() != fileName)
        {
            throw new ArgumentException(
                $"Expected a file name with no folder part (such as 'resnet18-f37072fd.pth'); received '{fileName}'.", nameof(fileName));
        }

        if (sha256Prefix.Length is < MinimumPrefixLength or > 64 || !sha256Prefix.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException(
                $"Expected {MinimumPrefixLength} to 64 hex digits of the file's SHA-256; received '{sha256Prefix}' ({sha256Prefix.Length} characters).",
                nameof(sha256Prefix));
        }

        Url = url;
        FileName = fileName;
        Sha256Prefix = sha256Prefix.ToLowerInvariant();
    }

    /// <summary>Where the file is served.</summary>
    public Uri Url { get; }

    /// <summary>The name the file is cached under (and appended to a mirror's base URL).</summary>
    public string FileName { get; }

    /// <summary>The lower-case hex digits that the file's SHA-256 starts with.</summary>
    public string Sha256Prefix { get; }

    /// <summary>
    /// The most bytes the file may have: a download that announces or sends more is stopped, its partial file
    /// deleted, and a <see cref="WeightsDownloadException"/> thrown. The catalogue's entries carry their published
    /// size (<c>ToWeightsFile</c>); the default, <see cref="DefaultMaxBytes"/>, bounds any other file.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to zero or less.</exception>
    public long MaxBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBytes), value, "Expected a positive byte count.");
    } = DefaultMaxBytes;

    /// <summary>
    /// The file at a torchvision-style URL, whose last segment is <c>name-HASHPREFIX.ext</c>
    /// (<c>https://download.pytorch.org/models/resnet18-f37072fd.pth</c>): the file name is that segment, the prefix
    /// the hex between its last '-' and the following '.', as torch.hub's <c>HASH_REGEX</c> reads it.
    /// </summary>
    /// <param name="url">The file's URL.</param>
    /// <exception cref="ArgumentException">The last segment carries no hash prefix of at least 8 hex digits.</exception>
    public static WeightsFile FromUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string name = url.IsAbsoluteUri ? Uri.UnescapeDataString(url.Segments[^1]) : string.Empty;
        int dash = name.LastIndexOf('-');
        string afterDash = dash < 0 ? string.Empty : name[(dash + 1)..];
        int dot = afterDash.IndexOf('.', StringComparison.Ordinal);
        string prefix = dot < 0 ? afterDash : afterDash[..dot];
        if (prefix.Length < MinimumPrefixLength || !prefix.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"Expected a URL ending in a name like 'resnet18-f37072fd.pth' ({MinimumPrefixLength} or more hex digits of the SHA-256 after the last '-'); received '{url}'."),
                nameof(url));
        }

        return new WeightsFile(url, name, prefix);
    }
}
