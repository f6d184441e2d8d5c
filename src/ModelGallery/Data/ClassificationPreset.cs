using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// The preprocessing a set of weights expects, both halves of torchvision's classification presets. For evaluation
/// (<see cref="Apply"/>, torchvision's <c>ImageClassification</c>): resize the shorter side to <see cref="ResizeSize"/>
/// (bilinear), cut the central <see cref="CropSize"/>² (padding with zeros where the image is smaller), scale to
/// [0, 1], normalise with <see cref="Mean"/> and <see cref="Std"/>. For training (<see cref="ApplyTraining"/>, the
/// reference's <c>ClassificationPresetTrain</c> without auto-augment or random erasing): a random resized crop of
/// <see cref="CropSize"/>² (bilinear, antialiased), a horizontal flip with probability <see cref="FlipProbability"/>,
/// then the same scaling and normalisation. A one-channel (grayscale) image is repeated to <see cref="Mean"/>'s channel
/// count, as PIL's <c>convert("RGB")</c> does.
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
    /// <summary>Probability of a horizontal flip in <see cref="ApplyTraining"/>, in [0, 1] (0.5).</summary>
    public double FlipProbability { get; init; } = 0.5;

    /// <summary>Smallest area fraction of the training crop (torchvision's 0.08).</summary>
    public double MinScale { get; init; } = ImageAugmentation.DefaultMinScale;

    /// <summary>Largest area fraction of the training crop (1).</summary>
    public double MaxScale { get; init; } = ImageAugmentation.DefaultMaxScale;

    /// <summary>Smallest aspect ratio (width / height) of the training crop (3/4).</summary>
    public double MinRatio { get; init; } = ImageAugmentation.DefaultMinRatio;

    /// <summary>Largest aspect ratio of the training crop (4/3).</summary>
    public double MaxRatio { get; init; } = ImageAugmentation.DefaultMaxRatio;

    /// <summary>ImageNet's preset: resize to <paramref name="resizeSize"/>, crop <paramref name="cropSize"/>, ImageNet's mean and std.</summary>
    /// <param name="cropSize">The crop's side.</param>
    /// <param name="resizeSize">The shorter side after resizing.</param>
    public static ClassificationPreset ImageNet(int cropSize = 224, int resizeSize = 256) =>
        new(resizeSize, cropSize, Data.ImageNet.Mean, Data.ImageNet.Std);

    /// <summary>
    /// Applies the evaluation half to one image or a batch of equally sized images (Fashion-MNIST's N × 1 × 28 × 28
    /// IDX bytes included).
    /// </summary>
    /// <param name="image">C×H×W or N×C×H×W, C = 1 or <see cref="Mean"/>'s count, bytes on [0, 255] (as decoded) or floats on [0, 1].</param>
    /// <returns>float32, C×<see cref="CropSize"/>×<see cref="CropSize"/> (or with the batch dimension), ready for a model.</returns>
    /// <exception cref="ArgumentException">The image is not 3- or 4-dimensional bytes or floats, or its channel count is neither 1 nor <see cref="Mean"/>'s, or <see cref="Resampling"/> is not a defined value.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size of the preset is below 1.</exception>
    public Tensor Apply(Tensor image)
    {
        CheckChannels(image);
        using var scope = NewDisposeScope();
        Tensor x = ImageTransforms.ResizeShorterSide(image, ResizeSize, Resampling);
        x = ImageTransforms.CenterCrop(x, CropSize, CropSize);
        return Finish(x).MoveToOuterDisposeScope();
    }

    /// <summary>Applies the training half to one image (or a batch, which gets one crop and one flip decision for all its images).</summary>
    /// <remarks>
    /// The randomness comes from <paramref name="random"/>: first the crop's draws, then one <see cref="Random.NextDouble"/>
    /// for the flip, which happens when it is below <see cref="FlipProbability"/> (torchvision's <c>torch.rand(1) &lt; p</c>).
    /// </remarks>
    /// <param name="image">C×H×W or N×C×H×W, C = 1 or <see cref="Mean"/>'s count, bytes on [0, 255] (as decoded) or floats on [0, 1].</param>
    /// <param name="random">The source of randomness; a seeded generator gives the same result every run.</param>
    /// <returns>float32, C×<see cref="CropSize"/>×<see cref="CropSize"/> (or with the batch dimension).</returns>
    /// <exception cref="ArgumentException">The image is not 3- or 4-dimensional bytes or floats, or its channel count is neither 1 nor <see cref="Mean"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CropSize"/> is below 1, or a scale or ratio bound is out of range.</exception>
    /// <exception cref="InvalidOperationException"><see cref="FlipProbability"/> is outside [0, 1].</exception>
    public Tensor ApplyTraining(Tensor image, Random random)
    {
        CheckChannels(image);
        ArgumentNullException.ThrowIfNull(random);
        if (!(FlipProbability is >= 0 and <= 1))
        {
            throw new InvalidOperationException($"A preset's FlipProbability must be in [0, 1]; this one has {FlipProbability}.");
        }

        using var scope = NewDisposeScope();
        Tensor x = ImageAugmentation.RandomResizedCrop(image, CropSize, random, MinScale, MaxScale, MinRatio, MaxRatio);
        if (random.NextDouble() < FlipProbability)
        {
            x = ImageAugmentation.HorizontalFlip(x);
        }

        return Finish(x).MoveToOuterDisposeScope();
    }

    /// <summary>The evaluation half in words (resize, centre crop, mean, std), as torchvision's preset prints itself.</summary>
    public override string ToString() =>
        $"resize {ResizeSize} ({Resampling switch
        {
            Resampling.Pillow => "bilinear, antialias, as Pillow",
            Resampling.TensorAntialias => "bilinear, antialias",
            _ => "bilinear",
        }}), centre crop {CropSize}, mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";

    private void CheckChannels(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() is 3 or 4 && image.shape[^3] != Mean.Count && image.shape[^3] != 1)
        {
            throw new ArgumentException($"This preset expects {Mean.Count}-channel (RGB) or one-channel images; received [{string.Join(", ", image.shape)}].", nameof(image));
        }
    }

    private Tensor Finish(Tensor x)
    {
        x = ImageTransforms.ToFloat(x);
        if (x.shape[^3] == 1 && Mean.Count > 1)
        {
            var shape = x.shape.ToArray();
            shape[^3] = Mean.Count;
            x = x.expand(shape);
        }

        return ImageTransforms.Normalize(x, Mean, Std);
    }
}
