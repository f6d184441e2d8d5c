namespace ModelGallery.Images;

/// <summary>One image of an <see cref="ImageFolder"/>: its file and its class index.</summary>
/// <param name="Path">The image file.</param>
/// <param name="Label">The index of its class in <see cref="ImageFolder.Classes"/>.</param>
public sealed record ImageSample(string Path, int Label);
