namespace ModelGallery.Images;

/// <summary>How <see cref="ImageFolder.Open"/> reads a folder of class folders.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>The options used when none are given.</summary>
    public static ImageFolderOptions Default { get; } = new();

    /// <summary>
    /// The class names in label order, each a sub-folder of the root; other sub-folders are ignored. Null (the
    /// default) takes every sub-folder, sorted ordinally as torchvision's <c>ImageFolder</c> sorts them. Give the
    /// training folder's <see cref="ImageFolder.Classes"/> when opening its validation folder, so that labels agree.
    /// </summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>
    /// False (the default): a file that cannot be decoded is an error (<see cref="ImageFolder.Validate"/> lists them all).
    /// True: such files are reported and left out.
    /// </summary>
    public bool SkipBadFiles { get; init; }

    /// <summary>How each image is decoded (background for transparency, pixel limit, EXIF orientation).</summary>
    public ImageReadOptions ReadOptions { get; init; } = ImageReadOptions.Default;
}
