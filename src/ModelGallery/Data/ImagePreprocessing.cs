using static TorchSharp.torch;

namespace ModelGallery.Data;

/// <summary>
/// Turns stored 8-bit grayscale images into a model's input, in this order: scale to [0, 1]; pad every side with
/// <see cref="Padding"/> pixels of 0 (background); normalise as <c>(x − Mean) / Std</c>; repeat the one channel
/// <see cref="Channels"/> times.
/// </summary>
/// <param name="Padding">Zero pixels added on each side (28 + 2·2 = 32 for LeNet-5).</param>
/// <param name="Mean">Mean subtracted after scaling.</param>
/// <param name="Std">Standard deviation divided by.</param>
/// <param name="Channels">Channels of the model's input.</param>
public sealed record ImagePreprocessing(int Padding, double Mean, double Std, int Channels)
{
    /// <summary>Fashion-MNIST for the gallery's LeNet-5: pad 28 → 32, mean 0.2860, std 0.3530 (the training set's), 3 channels.</summary>
    public static ImagePreprocessing FashionMnistLeNet5 { get; } = new(Padding: 2, Mean: 0.2860, Std: 0.3530, Channels: 3);

    /// <summary>
    /// The same steps for decoded image files (3 × H × W, as <c>ImageFile.Read</c> gives them), as a
    /// <see cref="ClassificationPreset"/>: the shorter side resized to <paramref name="imageSide"/> (a no-op for images
    /// of that size), then a centre crop of imageSide + 2·<see cref="Padding"/>, which pads with zeros, then the mean
    /// and std on every channel. For Fashion-MNIST's 28 × 28 PNGs the result equals <see cref="Apply"/> on the IDX bytes.
    /// </summary>
    /// <param name="imageSide">The side the stored images have (28 for Fashion-MNIST).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="imageSide"/> is below 1.</exception>
    public ClassificationPreset ForImageFiles(int imageSide = 28)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSide, 1);
        return new ClassificationPreset(imageSide, imageSide + (2 * Padding), [.. Enumerable.Repeat(Mean, Channels)], [.. Enumerable.Repeat(Std, Channels)]);
    }

    /// <summary>Applies the steps to a batch.</summary>
    /// <param name="images">N × 1 × H × W, unsigned bytes.</param>
    /// <returns>N × <see cref="Channels"/> × (H + 2·Padding) × (W + 2·Padding), float32.</returns>
    /// <exception cref="ArgumentException">The batch is not N × 1 × H × W of bytes.</exception>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dtype != ScalarType.Byte || images.dim() != 4 || images.shape[1] != 1)
        {
            throw new ArgumentException($"Preprocessing expects N×1×H×W unsigned bytes; received {images.dtype} [{string.Join(", ", images.shape)}].", nameof(images));
        }

        using var scope = NewDisposeScope();
        Tensor x = images.to(ScalarType.Float32) / 255.0;
        x = nn.functional.pad(x, [Padding, Padding, Padding, Padding], value: 0);
        x = (x - Mean) / Std;
        return x.expand(-1, Channels, -1, -1).contiguous().MoveToOuterDisposeScope();
    }
}
