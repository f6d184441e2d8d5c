using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// The evaluation preprocessing a set of pretrained weights expects (torchvision's <c>ImageClassification</c> preset):
/// resize the shorter side to <see cref="ResizeSize"/> (bilinear), cut the central <see cref="CropSize"/>²,
/// scale to [0, 1], normalise with <see cref="Mean"/> and <see cref="Std"/>.
/// </summary>
/// <remarks>
/// <see cref="Resampling"/> is <see cref="Data.Resampling.Pillow"/> by default: torchvision's published accuracies were
/// measured with <c>weights.transforms()</c> on PIL images, and on a byte image this preset gives those pixels bit for
/// bit (Pillow's fixed-point antialiased bilinear). <see cref="Data.Resampling.TensorAntialias"/> gives torchvision's
/// tensor path with <c>antialias=True</c> instead (at most one level of 255 apart, which can reorder close top-5
/// scores); torchvision 0.14's tensor path without antialias is <see cref="Data.Resampling.TensorNoAntialias"/>.
/// A floating-point image is always resampled as the tensor path does (torchvision could not make it a PIL image).
/// </remarks>
/// <param name="ResizeSize">The shorter side after resizing (256 for most ImageNet weights).</param>
/// <param name="CropSize">The side of the central square crop (224).</param>
/// <param name="Mean">Per-channel mean subtracted after scaling to [0, 1].</param>
/// <param name="Std">Per-channel standard deviation divided by.</param>
/// <param name="Resampling">How the resize computes pixels: Pillow's way (torchvision's PIL path, the default) or libtorch's.</param>
public sealed record ClassificationPreset(int ResizeSize, int CropSize, IReadOnlyList<double> Mean, IReadOnlyList<double> Std, Resampling Resampling = Resampling.Pillow)
{
    /// <summary>ImageNet's preset: resize to <paramref name="resizeSize"/>, crop <paramref name="cropSize"/>, ImageNet's mean and std.</summary>
    /// <param name="cropSize">The crop's side.</param>
    /// <param name="resizeSize">The shorter side after resizing.</param>
    public static ClassificationPreset ImageNet(int cropSize = 224, int resizeSize = 256) =>
        new(resizeSize, cropSize, Data.ImageNet.Mean, Data.ImageNet.Std);

    /// <summary>Applies the preset to one image or a batch of equally sized images.</summary>
    /// <param name="image">C×H×W or N×C×H×W RGB, bytes on [0, 255] (as decoded) or floats on [0, 1].</param>
    /// <returns>float32, C×<see cref="CropSize"/>×<see cref="CropSize"/> (or with the batch dimension), ready for a model.</returns>
    /// <exception cref="ArgumentException">The image is not 3- or 4-dimensional bytes or floats, or its channel count differs from <see cref="Mean"/>'s, or <see cref="Resampling"/> is not a defined value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size of the preset is below 1.</exception>
    public Tensor Apply(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() is 3 or 4 && image.shape[^3] != Mean.Count)
        {
            throw new ArgumentException($"This preset expects {Mean.Count}-channel (RGB) images; received [{string.Join(", ", image.shape)}].", nameof(image));
        }

        using var scope = NewDisposeScope();
        Tensor x = ImageTransforms.ResizeShorterSide(image, ResizeSize, Resampling);
        x = ImageTransforms.CenterCrop(x, CropSize, CropSize);
        x = ImageTransforms.ToFloat(x);
        return ImageTransforms.Normalize(x, Mean, Std).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"resize {ResizeSize} ({Resampling switch
        {
            Resampling.Pillow => "bilinear, antialias, as Pillow",
            Resampling.TensorAntialias => "bilinear, antialias",
            _ => "bilinear",
        }}), centre crop {CropSize}, mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";
}
