using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Tests.Images;

namespace ModelGallery.Tests.FineTuning;

/// <summary>
/// Large images (over <see cref="ImageLoader.LargeImagePixels"/>, lowered here so that 64 × 48 counts) are decoded
/// and transformed one at a time, whatever the number of workers, so their memory does not multiply with the workers.
/// </summary>
public sealed class LargeImageLoaderTests : TempFolder
{
    [Fact]
    public void Large_images_are_decoded_one_at_a_time_across_the_workers()
    {
        var loader = Loader(largeImagePixels: 1000);
        int waiting = 0, concurrent = 0;
        // The hook lets a worker inside the gate wait (up to half a second) for a second worker to join it: without
        // the gate one joins at once and the peak becomes 2; with it none can, whatever the timing.
        using var joined = new ManualResetEventSlim();
        loader.OnLargeImage = large =>
        {
            int now = Interlocked.Increment(ref waiting);
            concurrent = Math.Max(concurrent, now);
            if (now > 1)
            {
                joined.Set();
            }

            joined.Wait(TimeSpan.FromMilliseconds(500));
            Interlocked.Decrement(ref waiting);
        };

        var batches = loader.Epoch(0).ToList();

        batches.Sum(b => b.Labels.shape[0]).Should().Be(6);
        batches.ForEach(b => b.Dispose());
        concurrent.Should().Be(1, "a second worker never entered while a large image was being decoded");
        loader.PeakLargeInFlight.Should().Be(1);
    }

    [Fact]
    public void Small_images_are_not_gated()
    {
        var loader = Loader(largeImagePixels: ImageLoader.DefaultLargeImagePixels);

        loader.Epoch(0).ToList().ForEach(b => b.Dispose());

        loader.PeakLargeInFlight.Should().Be(0, "64 × 48 is far under 16 megapixels");
        ImageLoader.DefaultLargeImagePixels.Should().Be(16_000_000);
    }

    private ImageLoader Loader(long largeImagePixels)
    {
        for (int i = 0; i < 6; i++)
        {
            Directory.CreateDirectory(Path.Combine(Folder, $"c{i % 2}"));
            File.Copy(Photos.Fixture("rgba.png"), Path.Combine(Folder, $"c{i % 2}", $"{i}.png"));
        }

        var loader = ImageLoader.ForEvaluation(ImageFolder.Open(Folder), ClassificationPreset.ImageNet(32, 32), new ImageLoaderOptions { BatchSize = 3, Workers = 3 });
        loader.LargeImagePixels = largeImagePixels;
        return loader;
    }
}
