namespace ModelGallery.Tests;

/// <summary>A test class that gets a fresh temporary folder per test, deleted afterwards.</summary>
public abstract class TempFolder : IDisposable
{
    /// <summary>The folder.</summary>
    protected string Folder { get; } = Directory.CreateTempSubdirectory("modelgallery-test-").FullName;

    /// <inheritdoc/>
    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}
