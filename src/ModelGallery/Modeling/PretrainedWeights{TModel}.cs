using ModelGallery.Data;

namespace ModelGallery.Modeling;

/// <summary>Weights known for <typeparamref name="TModel"/>: <see cref="Load"/> returns that model type.</summary>
/// <typeparam name="TModel">The model class the weights fit.</typeparam>
public sealed record PretrainedWeights<TModel> : PretrainedWeights
    where TModel : GalleryModel
{
    private readonly Func<int, TModel> build;

    /// <summary>Weights for the model that <paramref name="build"/> makes; the init properties say where the file is and what it is.</summary>
    /// <param name="build">Builds the model the file fits for a class count, with the variant's options.</param>
    public PretrainedWeights(Func<int, TModel> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        this.build = build;
    }

    /// <inheritdoc cref="PretrainedWeights.Load"/>
    public new TModel Load(string? path = null, bool verifyHash = true, int? numClasses = null) => (TModel)base.Load(path, verifyHash, numClasses);

    /// <summary>
    /// One of torchvision's ImageNet-1K files (torchvision 0.14's <c>…_Weights.IMAGENET1K_*</c>), with the metadata
    /// they all share written once: the 1000 categories, ImageNet's preset (resize <paramref name="resizeSize"/>, crop
    /// 224, ImageNet's mean and std), the data set, and the SHA-256 prefix read from the file's name.
    /// </summary>
    internal static PretrainedWeights<TModel> ImageNet1K(
        string model, Func<int, TModel> build, string torchvisionName, string url, long? bytes, long parameters, int minSize,
        double top1, double top5, string recipe, string tag = "imagenet1k-v1", bool isDefault = true, int resizeSize = 256) =>
        new(build)
        {
            Model = model, Tag = tag, IsDefault = isDefault, TorchvisionName = torchvisionName, Url = new Uri(url), Bytes = bytes,
            Preset = ClassificationPreset.ImageNet(resizeSize: resizeSize), Categories = Data.ImageNet.Categories, Dataset = "ImageNet-1K",
            Top1 = top1, Top5 = top5, Parameters = parameters, MinSize = minSize, Recipe = recipe,
        };

    private protected override GalleryModel Build(int classes) => build(classes);
}
