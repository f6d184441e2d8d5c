using BenchmarkDotNet.Attributes;
using ModelGallery.Data;
using ModelGallery.Images;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// One epoch of <c>ImageLoader.ForTraining(folder, ClassificationPreset.ImageNet(224), { BatchSize = 32, Workers = 2,
/// Shuffle = true })</c> over the JPEG folder that Reference/make_loader_images.py writes: decoding, random resized
/// crop, flip and normalisation on the workers, batches stacked on the consumer. Workers start with each epoch.
/// </summary>
public class LoaderBenchmarks
{
    private ImageLoader? loader;
    private int epoch;

    /// <summary>Images in the folder (images/s = this ÷ the median epoch time).</summary>
    public static int Images { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(Suite.Threads);
        var folder = ImageFolder.Open(Suite.LoaderFolder);
        Images = folder.Count;
        loader = ImageLoader.ForTraining(folder, ClassificationPreset.ImageNet(224), new ImageLoaderOptions { BatchSize = Suite.LoaderBatch, Workers = Suite.LoaderWorkers, Shuffle = true });
    }

    [Benchmark]
    public int Epoch()
    {
        int images = 0;
        foreach (var batch in loader!.Epoch(epoch++))
        {
            images += batch.Count;
            batch.Dispose();
        }

        return images == Images ? images : throw new InvalidOperationException($"An epoch should yield all {Images} images; it yielded {images}.");
    }
}
