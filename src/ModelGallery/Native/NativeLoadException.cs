namespace ModelGallery.Native;

/// <summary>
/// TorchSharp's native library could not be loaded. The message says why in plain words (for example a
/// libstdc++ that is too old) and what to do, instead of TorchSharp's generic "missing libtorch reference".
/// </summary>
public sealed class NativeLoadException : InvalidOperationException
{
    /// <summary>Creates the exception with its explanation and TorchSharp's original error.</summary>
    /// <param name="message">What failed and what to do about it.</param>
    /// <param name="innerException">The exception TorchSharp threw.</param>
    internal NativeLoadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
