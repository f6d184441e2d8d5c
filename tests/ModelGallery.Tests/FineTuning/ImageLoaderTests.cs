using ModelGallery.Data;
using ModelGallery.Images;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The loader over real PNG folders (Fashion-MNIST): deterministic batches whatever the workers, order, drop-last, evaluation.</summary>
public sealed class ImageLoaderTests(FashionFolder fashion) : IClassFixture<FashionFolder>
{
    private static readonly ClassificationPreset Augment = new(24, 24, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]) { FlipProbability = 0.5 };

    [Fact]
    public void One_two_and_four_workers_give_bit_equal_batches_for_one_seed()
    {
        var folder = ImageFolder.Open(fashion.Root);

        var one = Read(folder, new ImageLoaderOptions { Workers = 1, BatchSize = 16, Shuffle = true, Seed = 5, QueueCapacity = 32 });
        var two = Read(folder, new ImageLoaderOptions { Workers = 2, BatchSize = 16, Shuffle = true, Seed = 5, QueueCapacity = 32 });
        var four = Read(folder, new ImageLoaderOptions { Workers = 4, BatchSize = 16, Shuffle = true, Seed = 5, QueueCapacity = 7 });

        one.Should().HaveCount(8); // 120 = 7 × 16 + 8
        foreach (var other in new[] { two, four })
        {
            other.Select(b => b.Indices).Should().BeEquivalentTo(one.Select(b => b.Indices), o => o.WithStrictOrdering());
            other.Select(b => b.Labels).Should().BeEquivalentTo(one.Select(b => b.Labels), o => o.WithStrictOrdering());
            for (int b = 0; b < one.Count; b++)
            {
                other[b].Pixels.AsSpan().SequenceEqual(one[b].Pixels).Should().BeTrue("batch {0} is bit-equal", b);
            }
        }
    }

    [Fact]
    public void Another_seed_or_epoch_shuffles_and_augments_differently()
    {
        var folder = ImageFolder.Open(fashion.Root);
        var options = new ImageLoaderOptions { BatchSize = 40, Shuffle = true, Seed = 1 };

        var first = Read(folder, options);
        var seed2 = Read(folder, options with { Seed = 2 });
        var epoch1 = Read(folder, options, epoch: 1);
        var unshuffled = Read(folder, options with { Shuffle = false });

        first.SelectMany(b => b.Indices).Should().BeEquivalentTo(Enumerable.Range(0, 120), "an epoch is a permutation");
        first.SelectMany(b => b.Indices).Should().NotEqual(seed2.SelectMany(b => b.Indices));
        first.SelectMany(b => b.Indices).Should().NotEqual(epoch1.SelectMany(b => b.Indices));
        unshuffled.SelectMany(b => b.Indices).Should().Equal(Enumerable.Range(0, 120));
        // Same order, other seed: a different augmentation of the same image.
        var seed2Unshuffled = Read(folder, options with { Shuffle = false, Seed = 2 });
        unshuffled[0].Pixels.AsSpan().SequenceEqual(seed2Unshuffled[0].Pixels).Should().BeFalse();
    }

    [Fact]
    public void Batches_hold_each_images_own_augmentation_and_its_label()
    {
        var folder = ImageFolder.Open(fashion.Root);
        var loader = ImageLoader.ForTraining(folder, Augment, new ImageLoaderOptions { BatchSize = 10, Shuffle = true, Seed = 9, Workers = 3 });
        using var scope = NewDisposeScope();

        var batch = loader.Epoch(2).First();

        batch.Images.shape.Should().Equal(10, 3, 24, 24);
        batch.Images.dtype.Should().Be(ScalarType.Float32);
        batch.Labels.dtype.Should().Be(ScalarType.Int64);
        batch.Labels.data<long>().ToArray().Should().Equal(batch.SampleIndices.Select(i => (long)folder.Samples[i].Label));
        // Any one image equals the preset applied alone with a Random whose seed only (seed, epoch, index) decide.
        int index = batch.SampleIndices[3];
        var alone = Augment.ApplyTraining(ImageFile.Read(folder.Samples[index].Path), new Random(Seeds.Sample(9, 2, index)));
        Same.Tensors(batch.Images[3], alone).Should().BeTrue();
    }

    [Fact]
    public void Drop_last_leaves_out_the_short_batch()
    {
        var folder = ImageFolder.Open(fashion.Root);

        var kept = Read(folder, new ImageLoaderOptions { BatchSize = 50 });
        var dropped = Read(folder, new ImageLoaderOptions { BatchSize = 50, DropLast = true });

        kept.Select(b => b.Indices.Length).Should().Equal(50, 50, 20);
        dropped.Select(b => b.Indices.Length).Should().Equal(50, 50);
    }

    [Fact]
    public void Evaluation_applies_the_classification_preset_in_folder_order()
    {
        var folder = ImageFolder.Open(fashion.Root);
        var preset = new ClassificationPreset(32, 28, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
        var loader = ImageLoader.ForEvaluation(folder, preset, new ImageLoaderOptions { BatchSize = 64, Workers = 2 });
        using var scope = NewDisposeScope();

        var batches = loader.Epoch(0).ToList();

        batches.Select(b => b.Count).Should().Equal(64, 56);
        batches[1].SampleIndices.Should().Equal(Enumerable.Range(64, 56));
        var expected = stack(folder.Samples.Skip(64).Select(s => preset.Apply(ImageFile.Read(s.Path))));
        Same.Tensors(batches[1].Images, expected).Should().BeTrue();
    }

    /// <summary>Reads one epoch into managed arrays, disposing every batch.</summary>
    internal static List<(int[] Indices, long[] Labels, float[] Pixels)> Read(ImageFolder folder, ImageLoaderOptions options, int epoch = 0)
    {
        var batches = new List<(int[], long[], float[])>();
        foreach (var batch in ImageLoader.ForTraining(folder, Augment, options).Epoch(epoch))
        {
            using (batch)
            {
                batches.Add(([.. batch.SampleIndices], batch.Labels.data<long>().ToArray(), batch.Images.data<float>().ToArray()));
            }
        }

        return batches;
    }
}
