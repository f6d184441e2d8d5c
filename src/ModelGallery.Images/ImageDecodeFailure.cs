namespace ModelGallery.Images;

/// <summary>Why an image file could not be decoded; <see cref="ImageDecodeException.Failure"/> carries it.</summary>
public enum ImageDecodeFailure
{
    /// <summary>The file has no bytes.</summary>
    Empty,

    /// <summary>No decoder recognised the first bytes: the file is not an image (or not one of a known format).</summary>
    NotAnImage,

    /// <summary>The file is an image of a format this package does not read (only JPEG, PNG, WebP, BMP and GIF).</summary>
    UnsupportedFormat,

    /// <summary>The file ends before all its pixels: a partial download or copy.</summary>
    Truncated,

    /// <summary>The decoder found invalid data inside the file.</summary>
    Corrupt,

    /// <summary>The header announces more pixels than <see cref="ImageReadOptions.MaxPixels"/> allows; nothing was decoded.</summary>
    TooLarge,

    /// <summary>The path is a named pipe (FIFO), a device or a socket: refused before it is opened, since reading one can block forever or never end.</summary>
    NotARegularFile,
}
