namespace ModelGallery.Images;

/// <summary>An opaque colour as three 8-bit sRGB channel values, such as the background transparent pixels are composited onto.</summary>
/// <param name="R">Red, 0 to 255.</param>
/// <param name="G">Green, 0 to 255.</param>
/// <param name="B">Blue, 0 to 255.</param>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    /// <summary>White (255, 255, 255): the default background, as for a transparent image shown on a web page.</summary>
    public static RgbColor White { get; } = new(255, 255, 255);

    /// <summary>Black (0, 0, 0): what dropping the alpha channel of a premultiplied image gives.</summary>
    public static RgbColor Black { get; } = new(0, 0, 0);
}
