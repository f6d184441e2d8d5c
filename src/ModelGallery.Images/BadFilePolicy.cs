namespace ModelGallery.Images;

/// <summary>What <see cref="ImageFolder.Validate"/> and <see cref="ImageLoader"/> do with a file that cannot be decoded.</summary>
public enum BadFilePolicy
{
    /// <summary>Stop with an <see cref="ImageFolderException"/> that names the file(s). The default: no image is dropped unnoticed.</summary>
    Fail,

    /// <summary>Leave the file out and count it: <see cref="ImageFolder.Validate"/> returns a folder without it, and <see cref="ImageLoader"/> drops it from its batch (<see cref="ImageBatch.Skipped"/>).</summary>
    Skip,
}
