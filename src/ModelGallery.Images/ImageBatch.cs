using static TorchSharp.torch;

namespace ModelGallery.Images;

/// <summary>
/// One batch from an <see cref="ImageLoader"/>. Its tensors belong to the consumer: dispose the batch (or let an
/// enclosing dispose scope release the tensors, which are created on the consuming thread).
/// </summary>
public sealed class ImageBatch : IDisposable
{
    internal ImageBatch(int index, Tensor images, Tensor labels, IReadOnlyList<int> sampleIndices, int skipped)
    {
        Index = index;
        Images = images;
        Labels = labels;
        SampleIndices = sampleIndices;
        Skipped = skipped;
    }

    /// <summary>The batch's position in its epoch, from 0 (counting batches that were left out because all their images failed).</summary>
    public int Index { get; }

    /// <summary>N × 3 × S × S float32, transformed and normalised.</summary>
    public Tensor Images { get; }

    /// <summary>N class indices, int64.</summary>
    public Tensor Labels { get; }

    /// <summary>The images' indices in <see cref="ImageFolder.Samples"/>, in batch order.</summary>
    public IReadOnlyList<int> SampleIndices { get; }

    /// <summary>Images of this batch left out because they could not be decoded (<see cref="ImageFolderOptions.SkipBadFiles"/>).</summary>
    public int Skipped { get; }

    /// <summary>N, the number of images.</summary>
    public int Count => SampleIndices.Count;

    /// <summary>Disposes <see cref="Images"/> and <see cref="Labels"/>.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
