using System.Runtime.InteropServices;
using ModelGallery.Models;
using ModelGallery.Training;
using Xunit.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

/// <summary>Memory tests run alone (no other test allocating at the same time), each against a baseline taken after warm-up.</summary>
[CollectionDefinition(nameof(MemoryIsolation), DisableParallelization = true)]
public sealed class MemoryIsolation;

/// <summary>
/// Loops the library owns keep memory flat. Two measures, each against a baseline after warm-up: the process's
/// resident set, and the bytes glibc's allocator has handed out and not yet taken back (<c>mallinfo2</c>: where
/// libtorch's tensors live). The second catches a leak even where freed memory from earlier tests would hide it
/// from the resident set.
/// </summary>
[Collection(nameof(MemoryIsolation))]
public sealed partial class MemoryTests(ITestOutputHelper output)
{
    private const long Limit = 50L * 1024 * 1024;

    [Fact]
    public void Ten_thousand_LeNet5_predictions_keep_memory_flat()
    {
        using var model = new LeNet5();
        model.eval();
        using var images = randn(8, 3, 32, 32);

        var growth = Growth(() => model.Predict(images, topK: 3), warmUp: 500, calls: 10_000);

        Report("LeNet-5, 10,000 Predict calls (batch 8)", growth);
    }

    [Fact]
    public void Two_hundred_GoogLeNet_predictions_keep_memory_flat()
    {
        using var model = new GoogLeNet();
        model.eval();
        using var images = randn(1, 3, 224, 224);

        var growth = Growth(() => model.Predict(images), warmUp: 50, calls: 200); // oneDNN and the allocators settle in the first calls

        Report("GoogLeNet, 200 Predict calls (batch 1)", growth);
    }

    [Fact]
    public void Two_thousand_LeNet5_training_steps_keep_memory_flat()
    {
        using var model = new LeNet5();
        using var inputs = randn(6_400, 3, 32, 32);
        using var labels = randint(0, 10, [6_400]);
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist with { Epochs = 21 });

        var growth = Growth(() => trainer.TrainEpoch(trainer.Batches(inputs, labels, 64)), warmUp: 1, calls: 20); // 20 epochs of 100 steps

        Report("LeNet-5, 2,000 training steps (batch 64)", growth);
    }

    [Fact]
    public void The_measurement_sees_native_memory_that_is_not_freed()
    {
        var kept = new List<Tensor>();

        var growth = Growth(() => kept.Add(ones(256, 1024)), warmUp: 1, calls: 200, keptAlive: 200); // 200 × 1 MiB, referenced

        kept.ForEach(t => t.Dispose());
        output.WriteLine($"control: 200 MiB of live tensors: resident set {growth.Resident / (1024.0 * 1024.0):+0.0;-0.0} MiB, native heap {growth.Heap / (1024.0 * 1024.0):+0.0;-0.0} MiB");
        growth.Heap.Should().BeGreaterThan(190L * 1024 * 1024, "the native-heap measure must see memory that is not freed");
    }

    /// <summary>
    /// Runs <paramref name="call"/> and returns how much the resident set and the native heap grew. First it asserts
    /// that the calls left no tensor alive on this thread (TorchSharp's exact count of tensors created minus disposed,
    /// taken before any garbage collection: a leaked tensor that a finalizer would free later still counts).
    /// </summary>
    private static (long Resident, long Heap) Growth(Action call, int warmUp, int calls, int keptAlive = 0)
    {
        for (int i = 0; i < warmUp; i++)
        {
            call();
        }

        var before = Measure();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        long leaked = DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore;
        leaked.Should().BeLessThanOrEqualTo(keptAlive, "every tensor the library creates in the loop is disposed by it");
        var after = Measure();
        return (after.Resident - before.Resident, after.Heap - before.Heap);
    }

    private static (long Resident, long Heap) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return (Environment.WorkingSet, HeapInUse());
    }

    /// <summary>Bytes allocated from glibc's heap and not freed (small blocks plus mmapped large ones); 0 where there is no glibc.</summary>
    private static long HeapInUse()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var info = MallInfo2();
        return (long)(info.Uordblks + info.Hblkhd);
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static partial MallInfo MallInfo2();

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }

    private void Report(string what, (long Resident, long Heap) growth)
    {
        output.WriteLine($"{what}: resident set {growth.Resident / (1024.0 * 1024.0):+0.0;-0.0} MiB, native heap in use {growth.Heap / (1024.0 * 1024.0):+0.0;-0.0} MiB");
        growth.Resident.Should().BeLessThan(Limit, "{0} must not grow the resident set by 50 MiB or more", what);
        growth.Heap.Should().BeLessThan(Limit, "{0} must not keep 50 MiB or more of native memory", what);
    }
}
