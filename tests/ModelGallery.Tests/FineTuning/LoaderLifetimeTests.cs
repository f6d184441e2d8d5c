using System.Diagnostics;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Tests.Reliability;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>
/// The loader's memory and cancellation. Run alone (the memory collection), because live tensors are counted for the
/// whole process: workers create them on their own threads, so the per-thread statistics of TorchSharp do not see them.
/// </summary>
[Collection(nameof(MemoryIsolation))]
public sealed class LoaderLifetimeTests(FashionFolder fashion) : IClassFixture<FashionFolder>
{
    private static readonly ClassificationPreset Augment = new(24, 24, [0.5, 0.5, 0.5], [0.25, 0.25, 0.25]) { FlipProbability = 0.5 };

    [Fact]
    public void With_a_slow_consumer_the_decoded_unconsumed_images_never_exceed_the_queue()
    {
        var loader = Loader(new ImageLoaderOptions { BatchSize = 4, Workers = 4, QueueCapacity = 10 });
        int most = 0;

        foreach (var batch in loader.Epoch(0))
        {
            for (int wait = 0; wait < 10; wait++)
            {
                Thread.Sleep(3); // a slow training step, during which the workers run ahead
                most = Math.Max(most, loader.Pending);
            }

            batch.Dispose();
        }

        loader.PeakPending.Should().BeLessThanOrEqualTo(10, "the queue is the bound, not the data set (120 images)");
        loader.PeakPending.Should().Be(10, "with a slow consumer the workers fill the queue; otherwise the bound was never tested");
        most.Should().BeLessThanOrEqualTo(10);
        loader.Pending.Should().Be(0);
    }

    [Fact]
    public void Cancelling_stops_the_workers_promptly_and_leaves_no_live_tensor()
    {
        var loader = Loader(new ImageLoaderOptions { BatchSize = 4, Workers = 4, QueueCapacity = 16 });
        long before = LiveTensors();
        using var cancel = new CancellationTokenSource();
        int delivered = 0;
        var clock = new Stopwatch();

        FluentActions.Invoking(() =>
        {
            foreach (var batch in loader.Epoch(0, cancel.Token))
            {
                batch.Dispose();
                if (++delivered == 3)
                {
                    Thread.Sleep(50); // the queue fills up meanwhile
                    cancel.Cancel();
                    clock.Start();
                }
            }
        }).Should().Throw<OperationCanceledException>();
        clock.Stop();

        delivered.Should().Be(3);
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "the workers stop after at most their current image");
        loader.Pending.Should().Be(0, "the images decoded ahead were disposed");
        LiveTensors().Should().Be(before, "no tensor outlives the cancelled epoch");
    }

    [Fact]
    public void Breaking_out_of_an_epoch_disposes_what_was_decoded_ahead()
    {
        var loader = Loader(new ImageLoaderOptions { BatchSize = 4, Workers = 2, QueueCapacity = 16 });
        long before = LiveTensors();

        foreach (var batch in loader.Epoch(0))
        {
            batch.Dispose();
            Thread.Sleep(50);
            break;
        }

        loader.PeakPending.Should().BeGreaterThan(4, "images were decoded ahead");
        loader.Pending.Should().Be(0);
        LiveTensors().Should().Be(before);
    }

    [Fact]
    public void The_live_tensor_count_sees_a_tensor_left_alive_on_another_thread()
    {
        long before = LiveTensors();
        Tensor? kept = null;
        var thread = new Thread(() => kept = ones(2, 2));
        thread.Start();
        thread.Join();

        LiveTensors().Should().Be(before + 1, "the control: a leak on a worker thread is counted");
        kept!.Dispose();
        LiveTensors().Should().Be(before);
    }

    private ImageLoader Loader(ImageLoaderOptions options) => ImageLoader.ForTraining(ImageFolder.Open(fashion.Root), Augment, options with { Shuffle = true, Seed = 3 });

    /// <summary>Tensors alive in the process (created minus disposed), after finalising what earlier tests dropped.</summary>
    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Tensor.TotalCount;
    }
}
