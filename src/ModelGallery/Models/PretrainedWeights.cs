using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Weights;

namespace ModelGallery.Models;

/// <summary>
/// Weights known for a model, shipped inside the ModelGallery package: what they are for, how they were made, how
/// well they do, and how to get a ready model. <see cref="Create"/> verifies the SHA-256 of the embedded file first.
/// </summary>
public class PretrainedWeights
{
    private readonly Func<int, GalleryModel> build;

    private protected PretrainedWeights(string name, Func<int, GalleryModel> build, IReadOnlyList<string> classNames, ImagePreprocessing preprocessing, double testAccuracy, string recipe, string sha256, string resource)
    {
        Name = name;
        this.build = build;
        ClassNames = classNames;
        Preprocessing = preprocessing;
        TestAccuracy = testAccuracy;
        Recipe = recipe;
        Sha256 = sha256;
        Resource = resource;
    }

    /// <summary>A short name, such as <c>lenet5-fashion-mnist</c>.</summary>
    public string Name { get; }

    /// <summary>The classes, by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>What to do to stored images before the model sees them.</summary>
    public ImagePreprocessing Preprocessing { get; }

    /// <summary>Top-1 accuracy on the data set's test split, as measured when they were made.</summary>
    public double TestAccuracy { get; }

    /// <summary>How they were trained, and the command that reproduces them.</summary>
    public string Recipe { get; }

    /// <summary>SHA-256 of the embedded file, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>The embedded resource's name.</summary>
    internal string Resource { get; }

    /// <summary>Builds the model, loads the weights into it (strictly) after checking their SHA-256, and sets eval mode.</summary>
    /// <exception cref="InvalidDataException">The embedded file is missing or its hash differs from <see cref="Sha256"/>.</exception>
    public GalleryModel Create()
    {
        using var stream = typeof(PretrainedWeights).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidDataException($"The weights '{Name}' are not embedded in {typeof(PretrainedWeights).Assembly.GetName().Name} (resource '{Resource}').");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        string hash = Convert.ToHexStringLower(SHA256.HashData(copy.GetBuffer().AsSpan(0, (int)copy.Length)));
        if (hash != Sha256)
        {
            throw new InvalidDataException($"The embedded weights '{Name}' have SHA-256 {hash}, expected {Sha256}: the package is damaged.");
        }

        copy.Position = 0;
        var model = build(ClassNames.Count);
        try
        {
            model.LoadWeights(copy, Name, WeightsFormat.SafeTensors);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
