using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ModelGallery.Modeling;

/// <summary>SHA-256 of weight files, each hashed once per process, and the hash prefix a torchvision file name carries.</summary>
internal static class FileHashes
{
    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> Hashes = new();

    /// <summary>The lower-case hex SHA-256 of a file, remembered for the process while its length and time stay the same.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    internal static string Sha256Of(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"The weights file '{path}' does not exist.", path);
        }

        return Hashes.GetOrAdd((info.FullName, info.Length, info.LastWriteTimeUtc), key =>
        {
            using var stream = new FileStream(key.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
    }

    /// <summary>torch.hub's <c>HASH_REGEX</c>: the hex between the name's last '-' and the following '.'.</summary>
    internal static string PrefixInName(string name)
    {
        int dash = name.LastIndexOf('-');
        string after = dash < 0 ? string.Empty : name[(dash + 1)..];
        int dot = after.IndexOf('.', StringComparison.Ordinal);
        string prefix = dot < 0 ? string.Empty : after[..dot];
        return prefix.Length >= 8 && prefix.All(char.IsAsciiHexDigit) ? prefix.ToLowerInvariant()
            : throw new FormatException($"The weights file name '{name}' carries no SHA-256 prefix ('<name>-<hex>.pth').");
    }
}
