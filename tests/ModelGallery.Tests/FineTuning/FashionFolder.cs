using ModelGallery.Data;
using ModelGallery.Images;

namespace ModelGallery.Tests.FineTuning;

/// <summary>
/// The first <see cref="Count"/> Fashion-MNIST test images (Debian's dataset-fashion-mnist: real data no one here
/// made) written as PNG class folders once per test class, deleted afterwards.
/// </summary>
public sealed class FashionFolder : IDisposable
{
    public const int Count = 120;

    public FashionFolder()
    {
        using var data = FashionMnist.Load(train: false);
        Written = FashionMnistFolders.Write(data, Root, Count);
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("modelgallery-fashion-").FullName;

    public int Written { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
