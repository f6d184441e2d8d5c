namespace ModelGallery.Images;

/// <summary>What <see cref="ImageFolder.Scan"/> found: how many files it decoded and which ones failed.</summary>
/// <param name="FileCount">Files decoded (all of the folder's samples).</param>
/// <param name="BadFiles">The files that could not be decoded, in folder order.</param>
public sealed record ImageFolderScan(int FileCount, IReadOnlyList<BadImageFile> BadFiles)
{
    /// <summary>How many paths <see cref="ToString"/> lists.</summary>
    public const int ListedPaths = 10;

    /// <summary>True when every file decoded.</summary>
    public bool IsClean => BadFiles.Count == 0;

    /// <summary>One report: the count, then the first <see cref="ListedPaths"/> files with their reasons.</summary>
    /// <returns>For example <c>2 of 120 files cannot be decoded as images: a/x.jpg (…); b/y.png (…)</c>.</returns>
    public override string ToString()
    {
        if (IsClean)
        {
            return $"All {FileCount} files decode as images.";
        }

        string more = BadFiles.Count > ListedPaths ? $"; and {BadFiles.Count - ListedPaths} more" : string.Empty;
        return $"{BadFiles.Count} of {FileCount} files cannot be decoded as images: "
            + string.Join("; ", BadFiles.Take(ListedPaths).Select(bad => $"{bad.Path} ({bad.Reason})")) + more;
    }
}
