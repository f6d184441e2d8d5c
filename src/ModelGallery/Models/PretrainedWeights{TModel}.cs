using ModelGallery.Data;

namespace ModelGallery.Models;

/// <summary>Weights known for <typeparamref name="TModel"/>: <see cref="Create"/> returns that model type.</summary>
/// <typeparam name="TModel">The model class the weights fit.</typeparam>
public sealed class PretrainedWeights<TModel> : PretrainedWeights
    where TModel : GalleryModel
{
    private readonly Func<int, TModel> build;

    internal PretrainedWeights(string name, Func<int, TModel> build, IReadOnlyList<string> classNames, ImagePreprocessing preprocessing, double testAccuracy, string recipe, string sha256, string resource)
        : base(name, build, classNames, preprocessing, testAccuracy, recipe, sha256, resource)
    {
        this.build = build;
    }

    /// <inheritdoc cref="PretrainedWeights.Create"/>
    public new TModel Create() => (TModel)base.Create();

    /// <summary>The same weights read from another embedded file, expected to have another hash (for tests of damaged packages).</summary>
    internal PretrainedWeights<TModel> WithFile(string sha256, string resource) =>
        new(Name, build, ClassNames, Preprocessing, TestAccuracy, Recipe, sha256, resource);
}
