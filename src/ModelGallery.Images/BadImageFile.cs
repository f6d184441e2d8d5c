namespace ModelGallery.Images;

/// <summary>A file of an <see cref="ImageFolder"/> that could not be decoded, and why.</summary>
/// <param name="Path">The file.</param>
/// <param name="Reason">The decoder's or the file system's message.</param>
public sealed record BadImageFile(string Path, string Reason);
