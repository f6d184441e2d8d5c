using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Weights;

/// <summary>
/// Weights shipped inside the ModelGallery package: what they are for, how they were made, and how well they do.
/// <see cref="Create"/> verifies the SHA-256 of the embedded file before loading it.
/// </summary>
/// <param name="Name">A short name, such as <c>lenet5-fashion-mnist</c>.</param>
/// <param name="Model">The registry name of the model they fit (<see cref="ModelZoo"/>).</param>
/// <param name="ClassNames">The classes, by index.</param>
/// <param name="Preprocessing">What to do to stored images before the model sees them.</param>
/// <param name="TestAccuracy">Top-1 accuracy on the data set's test split, as measured when they were made.</param>
/// <param name="Recipe">How they were trained, and the command that reproduces them.</param>
/// <param name="Sha256">SHA-256 of the embedded file, lower-case hex.</param>
/// <param name="NumParams">Number of parameters of the model they fit.</param>
/// <param name="Resource">The embedded resource's name.</param>
public sealed record PretrainedWeights(
    string Name,
    string Model,
    IReadOnlyList<string> ClassNames,
    ImagePreprocessing Preprocessing,
    double TestAccuracy,
    string Recipe,
    string Sha256,
    long NumParams,
    string Resource)
{
    /// <summary>Builds the model and loads the weights into it (strictly), after checking their SHA-256.</summary>
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
        var model = ModelZoo.Create(Model, new ModelOptions { NumClasses = ClassNames.Count });
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
}
