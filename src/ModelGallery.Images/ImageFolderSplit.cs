namespace ModelGallery.Images;

/// <summary>The two parts of <see cref="ImageFolder.Split"/>: disjoint, together the whole folder, with the same classes.</summary>
/// <param name="Train">The images to train on.</param>
/// <param name="Validation">The images held out.</param>
public sealed record ImageFolderSplit(ImageFolder Train, ImageFolder Validation);
