namespace ModelGallery.Data;

/// <summary>
/// ImageNet-1K (ILSVRC 2012) facts that pretrained weights share: the 1000 category names in class-index order (as
/// torchvision's <c>weights.meta["categories"]</c> lists them) and the per-channel statistics the weights were trained with.
/// </summary>
public static class ImageNet
{
    /// <summary>The number of classes.</summary>
    public const int ClassCount = 1000;

    /// <summary>The 1000 category names, by class index (<c>tench</c>, <c>goldfish</c>, … <c>toilet tissue</c>).</summary>
    public static IReadOnlyList<string> Categories { get; } = ReadCategories();

    /// <summary>Per-channel mean (R, G, B) of ImageNet's training images, on [0, 1].</summary>
    public static IReadOnlyList<double> Mean { get; } = [0.485, 0.456, 0.406];

    /// <summary>Per-channel standard deviation (R, G, B) of ImageNet's training images, on [0, 1].</summary>
    public static IReadOnlyList<double> Std { get; } = [0.229, 0.224, 0.225];

    private static string[] ReadCategories()
    {
        const string Resource = "ModelGallery.Data.ImageNetCategories.txt";
        using var stream = typeof(ImageNet).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidDataException($"The ImageNet category list is not embedded in the ModelGallery assembly (resource '{Resource}'): the package is damaged.");
        using var reader = new StreamReader(stream);
        string[] names = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return names.Length == ClassCount ? names
            : throw new InvalidDataException($"The embedded ImageNet category list has {names.Length} names, expected {ClassCount}: the package is damaged.");
    }
}
