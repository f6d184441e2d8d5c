namespace ModelGallery.Images;

/// <summary>
/// A folder cannot serve as an <see cref="ImageFolder"/> (no class folders, a named class folder missing, a class
/// without images), or files in it cannot be decoded under the default (<see cref="ImageFolderOptions.SkipBadFiles"/> false). The message names the
/// folder, what was expected and what was found.
/// </summary>
public sealed class ImageFolderException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="badFiles">The files that could not be decoded, if that is the problem.</param>
    /// <param name="inner">The decoder's exception, for a single file.</param>
    internal ImageFolderException(string folder, string message, IReadOnlyList<(string Path, string Reason)>? badFiles = null, Exception? inner = null)
        : base(message, inner)
    {
        Folder = folder;
        BadFiles = badFiles ?? [];
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }

    /// <summary>The files that could not be decoded, each with the decoder's or the file system's message; empty for a layout problem.</summary>
    public IReadOnlyList<(string Path, string Reason)> BadFiles { get; }
}
