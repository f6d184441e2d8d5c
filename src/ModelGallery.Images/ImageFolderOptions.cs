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

    /// <summary>What to do with files that cannot be decoded. <see cref="BadFilePolicy.Fail"/> by default.</summary>
    public BadFilePolicy BadFiles { get; init; } = BadFilePolicy.Fail;

    /// <summary>How each image is decoded (background for transparency, pixel limit, EXIF orientation).</summary>
    public ImageReadOptions ReadOptions { get; init; } = ImageReadOptions.Default;
}
