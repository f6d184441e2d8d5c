namespace ModelGallery.Images;

/// <summary>
/// An image file (or stream) could not be decoded: it is empty, not an image, of an unsupported format, truncated,
/// corrupt, or larger than allowed. The message names the file and what was expected; no tensor was created.
/// </summary>
public sealed class ImageDecodeException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="imageName">The path, or the name given with a stream.</param>
    /// <param name="failure">The kind of failure.</param>
    /// <param name="problem">What is wrong, with the facts: what was expected and what arrived.</param>
    internal ImageDecodeException(string imageName, ImageDecodeFailure failure, string problem)
        : base($"Cannot decode the image '{imageName}': {problem}")
    {
        ImageName = imageName;
        Failure = failure;
    }

    /// <summary>The path, or the name given with a stream.</summary>
    public string ImageName { get; }

    /// <summary>The kind of failure.</summary>
    public ImageDecodeFailure Failure { get; }
}
