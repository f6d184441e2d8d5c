namespace ModelGallery.Weights;

/// <summary>A weights file is not a valid file of its format (truncated, wrong magic, corrupt header, unsupported content). Nothing was loaded.</summary>
public sealed class WeightsFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="innerException">The reader's own error, if any.</param>
    internal WeightsFileException(string path, string problem, Exception? innerException = null)
        : base($"'{path}' is not a valid weights file: {problem}", innerException)
    {
        FilePath = path;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }
}
