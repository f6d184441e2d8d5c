using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// The training preprocessing of torchvision's classification reference (<c>references/classification/presets.py</c>,
/// <c>ClassificationPresetTrain</c> without auto-augment or random erasing): a random resized crop of
/// <see cref="CropSize"/>² (bilinear, antialiased), a horizontal flip with probability <see cref="FlipProbability"/>,
/// scaling to [0, 1] and normalising with <see cref="Mean"/> and <see cref="Std"/>.
/// </summary>
/// <remarks>
/// The randomness comes from the <see cref="Random"/> passed to <see cref="Apply"/>: first the crop's draws
/// (<see cref="ImageAugmentation.SampleCropBox"/>), then one <see cref="Random.NextDouble"/> for the flip, which happens
/// when it is below <see cref="FlipProbability"/> (torchvision's <c>torch.rand(1) &lt; p</c>).
/// </remarks>
/// <param name="CropSize">The output's side (224 for ImageNet).</param>
/// <param name="FlipProbability">Probability of a horizontal flip, in [0, 1].</param>
/// <param name="Mean">Per-channel mean subtracted after scaling to [0, 1].</param>
/// <param name="Std">Per-channel standard deviation divided by.</param>
public sealed record TrainingPreset(int CropSize, double FlipProbability, IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>Smallest area fraction of the random crop (torchvision's 0.08).</summary>
    public double MinScale { get; init; } = ImageAugmentation.DefaultMinScale;

    /// <summary>Largest area fraction of the random crop (1).</summary>
    public double MaxScale { get; init; } = ImageAugmentation.DefaultMaxScale;

    /// <summary>Smallest aspect ratio (width / height) of the random crop (3/4).</summary>
    public double MinRatio { get; init; } = ImageAugmentation.DefaultMinRatio;

    /// <summary>Largest aspect ratio of the random crop (4/3).</summary>
    public double MaxRatio { get; init; } = ImageAugmentation.DefaultMaxRatio;

    /// <summary>ImageNet's training preset: crop <paramref name="cropSize"/>, flip with probability 0.5, ImageNet's mean and std.</summary>
    /// <param name="cropSize">The crop's side.</param>
    public static TrainingPreset ImageNet(int cropSize = 224) => new(cropSize, 0.5, Data.ImageNet.Mean, Data.ImageNet.Std);

    /// <summary>Applies the preset to one image (or a batch, which gets one crop and one flip decision for all its images).</summary>
    /// <param name="image">C×H×W or N×C×H×W RGB, bytes on [0, 255] (as decoded) or floats on [0, 1].</param>
    /// <param name="random">The source of randomness; a seeded generator gives the same result every run.</param>
    /// <returns>float32, C×<see cref="CropSize"/>×<see cref="CropSize"/> (or with the batch dimension).</returns>
    /// <exception cref="ArgumentException">The image is not 3- or 4-dimensional bytes or floats, or its channel count differs from <see cref="Mean"/>'s.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="CropSize"/> is below 1, or a scale or ratio bound is out of range.</exception>
    /// <exception cref="InvalidOperationException"><see cref="FlipProbability"/> is outside [0, 1].</exception>
    public Tensor Apply(Tensor image, Random random)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        if (image.dim() is 3 or 4 && image.shape[^3] != Mean.Count)
        {
            throw new ArgumentException($"This preset expects {Mean.Count}-channel (RGB) images; received [{string.Join(", ", image.shape)}].", nameof(image));
        }

        if (!(FlipProbability is >= 0 and <= 1))
        {
            throw new InvalidOperationException($"A TrainingPreset's FlipProbability must be in [0, 1]; this one has {FlipProbability}.");
        }

        using var scope = NewDisposeScope();
        Tensor x = ImageAugmentation.RandomResizedCrop(image, CropSize, random, MinScale, MaxScale, MinRatio, MaxRatio);
        if (random.NextDouble() < FlipProbability)
        {
            x = ImageAugmentation.HorizontalFlip(x);
        }

        x = ImageTransforms.ToFloat(x);
        return ImageTransforms.Normalize(x, Mean, Std).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"random resized crop {CropSize} (scale [{MinScale}, {MaxScale}], ratio [{MinRatio:0.###}, {MaxRatio:0.###}], bilinear, antialias), "
        + $"horizontal flip p={FlipProbability}, mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";
}
