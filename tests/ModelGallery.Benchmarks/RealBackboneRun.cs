using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Training;
using ModelGallery.Weights;
using Onnx;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// The real-weights accuracy goal: a real ImageNet-trained backbone (ML.NET's <c>ResNet18.onnx</c>, NuGet
/// <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c>, torchvision's <c>ResNet(BasicBlock, [2, 2, 2, 3])</c>) imported
/// with <see cref="OnnxImport"/>, frozen, and a linear head trained on the Fashion-MNIST subset of
/// <see cref="AccuracyRun"/> through the image-folder path; against the same recipe in PyTorch with the same weights
/// (Reference/frozen_head.py) and against the same network randomly initialised.
/// </summary>
/// <remarks>
/// <para>One seed decides the order of the training batches, and that alone moved top-1 by up to 1.4 points on 500
/// test images (7 images; sd 0.6 over 5 seeds), so each side trains the head once per seed, every time from the same
/// saved initial head, and the goal compares the means (the spread and every seed are printed). Both sides preprocess
/// as torchvision's PIL path (the preset's default <see cref="Resampling.Pillow"/>), the test features are compared,
/// and with folder order in and the same seed both draw the same batches, so the seeds pair up.</para>
/// <para>The network was trained on BGR pixels in 0–255 less a mean image (<c>ResNetPreprocess.onnx</c>). Here its first
/// convolution's input channels are reversed, so it takes RGB, and the preset subtracts the mean image's per-channel
/// means at that scale: <c>(x/255 − m/255) / (1/255) = x − m</c>. The mean image is nearly flat, so only its
/// per-pixel variation (measured and printed) is lost.</para>
/// </remarks>
internal static class RealBackboneRun
{
    private const int Batch = 50;
    private const double Rate = 1e-3, WeightDecay = 0.01;

    public static string Run(string trainFolder, string testFolder, bool quick)
    {
        string models = typeof(RealBackboneRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DnnImageModels").Value!;
        var train = AccuracyRun.Subset(ImageFolder.Open(trainFolder), quick ? 20 : 100);
        var test = AccuracyRun.Subset(ImageFolder.Open(testFolder), quick ? 10 : 50);
        int epochs = quick ? 3 : 30, classes = train.Classes.Count;
        int[] seeds = quick ? [1, 2] : [1, 2, 3, 4, 5];
        var (mean, spread) = MeanImage(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var preset = new ClassificationPreset(256, 224, [.. mean.Select(m => m / 255)], [1.0 / 255, 1.0 / 255, 1.0 / 255], Resampling.Pillow);
        Console.WriteLine(Invariant($"ML.NET's mean image: channel means (RGB) {string.Join(", ", mean.Select(m => m.ToString("F2", CultureInfo.InvariantCulture)))}, largest distance of a pixel from its channel mean {spread:F2}"));

        manual_seed(1);
        using var imported = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], classes);
        var report = OnnxImport.LoadWeights(imported, Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"), LoadOptions.ExceptClassifier);
        Console.WriteLine($"ONNX import: {report.Loaded.Count} tensors loaded, {report.Unexpected.Count} unexpected, {report.Missing.Count} missing");
        using (no_grad())
        {
            var conv1 = imported.state_dict()["conv1.weight"];
            conv1.copy_(conv1.flip(1)); // BGR → RGB
        }

        string weights = Path.Combine(Suite.Output, "resnet-basic-2-2-2-3-mlnet.pt");
        imported.SaveWeights(weights); // the head too: every seed on both sides starts from this head
        using var head = imported.Classifier.weight!.detach().clone();
        using var bias = imported.Classifier.bias!.detach().clone();
        using var testFeatures = Features(imported, test, preset, out var labels);
        using var testLabels = labels;
        string features = Path.Combine(Suite.Output, "modelgallery-test-features.f32");
        File.WriteAllBytes(features, testFeatures.bytes); // float32, little-endian, N × 512

        var ours = new List<double>();
        foreach (int seed in seeds)
        {
            using (no_grad())
            {
                imported.Classifier.weight!.copy_(head);
                imported.Classifier.bias!.copy_(bias);
            }

            ours.Add(Train(imported, train, preset, epochs, seed, testFeatures, testLabels));
            Console.WriteLine(Invariant($"ResNet [2, 2, 2, 3], ML.NET's ImageNet backbone frozen, seed {seed}: {ours[^1]:P2}"));
        }

        string json = Path.Combine(Suite.Output, "pytorch-frozen-head.json");
        Reference.Run("frozen_head.py", [
            "--weights", weights, "--train", train.Root, "--test", test.Root, "--out", json, "--epochs", Text(epochs), "--batch", Text(Batch),
            "--lr", Text(Rate), "--weight-decay", Text(WeightDecay), "--seeds", .. seeds.Select(s => Text(s)),
            "--mean", .. preset.Mean.Select(Text), "--std", .. preset.Std.Select(Text), "--compare-features", features], "python3-torch and python3-torchvision (apt)");
        var result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        double[] pytorch = [.. result.GetProperty("top1").EnumerateArray().Select(e => e.GetDouble())];
        var agreement = result.GetProperty("features");
        double featureDiff = agreement.GetProperty("max_abs_diff").GetDouble(), featureScale = agreement.GetProperty("scale").GetDouble();
        Console.WriteLine(Invariant($"PyTorch, same weights and recipe, seeds {string.Join(", ", seeds)}: {string.Join(", ", pytorch.Select(p => p.ToString("P2", CultureInfo.InvariantCulture)))}"));
        Console.WriteLine(Invariant($"Test features, ModelGallery vs PyTorch (PIL path): largest difference {featureDiff:G3}, largest magnitude {featureScale:G3}"));

        manual_seed(1);
        using var random = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], classes);
        using var randomFeatures = Features(random, test, preset, out var labelsAgain);
        using var randomLabels = labelsAgain;
        double baseline = Train(random, train, preset, epochs, seeds[0], randomFeatures, randomLabels);

        Console.WriteLine(Invariant($"ResNet [2, 2, 2, 3], random backbone frozen, seed {seeds[0]}: {baseline:P2}"));

        double gap = (ours.Average() - pytorch.Average()) * 100, largest = ours.Zip(pytorch).Max(p => Math.Abs(p.First - p.Second)) * 100;
        string agreed = featureDiff == 0 ? "identical" : Invariant($"within {featureDiff / featureScale:0.0e+0} of their scale");
        string row = $"ResNet [2, 2, 2, 3] at 224 × 224, ML.NET's ImageNet backbone (imported from ONNX) frozen, {train.Count} training PNGs, {epochs} epochs, seeds {seeds[0]}–{seeds[^1]}";
        return Invariant($"| {row} vs PyTorch, same weights, head, recipe and batch order (mean ± sd over seeds) | {Summary(ours)} vs {Summary(pytorch)} ({gap:+0.00;−0.00} pt; largest gap of one seed {largest:0.00} pt) on {test.Count} test images; test features {agreed} | within 0.5 pt | {(Math.Abs(gap) <= 0.5 ? "yes" : "no")} |") + Environment.NewLine
            + Invariant($"| the same, real backbone vs random (seed {seeds[0]}) | {ours[0]:P2} vs {baseline:P2} | real above random | {(ours[0] > baseline ? "yes" : "no")} |") + Environment.NewLine;
    }

    /// <summary>
    /// <see cref="AccuracyRun"/>'s frozen-ResNet recipe with one seed (the batch order): AdamW 1e-3 (weight decay
    /// 0.01), cached features, batch 50; top-1 of the trained head on the test images' features (computed once, as
    /// frozen_head.py does: the backbone is frozen and in eval mode, so a pass over the images gives the same).
    /// </summary>
    private static double Train(GalleryModel model, ImageFolder train, ClassificationPreset preset, int epochs, int seed, Tensor testFeatures, Tensor testLabels)
    {
        // Folder order, as frozen_head.py reads the images: the Trainer caches the features in the order they arrive and
        // draws every epoch's batches as randperm(N) from its Shuffling generator, seeded with the seed, as
        // frozen_head.py does after torch.manual_seed(seed); a shuffled loader would only permute the cache.
        var options = new ImageLoaderOptions { BatchSize = Batch, Workers = Suite.LoaderWorkers };
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Optimizer = TrainingOptimizer.AdamW(weightDecay: WeightDecay),
            LearningRate = Rate,
            Freeze = Freeze.Backbone,
            CacheFeatures = true,
            Epochs = epochs,
            Seed = seed,
        });
        trainer.Run(AccuracyRun.Batches(ImageLoader.ForEvaluation(train, preset, options), () => trainer.EpochsDone));
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            return model.ForwardHead(testFeatures).argmax(1).eq(testLabels).to_type(ScalarType.Float64).mean().item<double>();
        }
    }

    /// <summary>The frozen backbone's features (eval mode) of every image of <paramref name="folder"/>, in folder order, and their labels.</summary>
    private static Tensor Features(GalleryModel model, ImageFolder folder, ClassificationPreset preset, out Tensor labels)
    {
        model.eval();
        var features = new List<Tensor>();
        var targets = new List<Tensor>();
        using (no_grad())
        {
            foreach (var batch in ImageLoader.ForEvaluation(folder, preset, new ImageLoaderOptions { BatchSize = Batch, Workers = Suite.LoaderWorkers }).Epoch(0))
            {
                using (batch)
                using (NewDisposeScope())
                {
                    features.Add(model.ForwardFeatures(batch.Images).DetachFromDisposeScope());
                    targets.Add(batch.Labels.clone().DetachFromDisposeScope());
                }
            }
        }

        labels = cat(targets);
        var result = cat(features);
        features.Concat(targets).ToList().ForEach(t => t.Dispose());
        return result;
    }

    private static string Summary(IReadOnlyList<double> top1)
    {
        double mean = top1.Average() * 100;
        double sd = top1.Count < 2 ? 0 : Math.Sqrt(top1.Sum(t => Math.Pow((t * 100) - mean, 2)) / (top1.Count - 1));
        return Invariant($"{mean:F2} ± {sd:F2} % ({string.Join(", ", top1.Select(t => (t * 100).ToString("F1", CultureInfo.InvariantCulture)))})");
    }

    /// <summary>The mean image's per-channel means in RGB order (it is stored BGR, 1 × 3 × 224 × 224) and its largest deviation from them.</summary>
    private static (double[] Mean, double Spread) MeanImage(string path)
    {
        using var stream = File.OpenRead(path);
        var image = ModelProto.Parser.ParseFrom(stream).Graph.Initializer.Single(t => t.Name == "MeanImage");
        float[] values = image.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(image.RawData.Span).ToArray() : [.. image.FloatData];
        int plane = values.Length / 3;
        double[] bgr = [.. Enumerable.Range(0, 3).Select(c => values.Skip(c * plane).Take(plane).Average(v => (double)v))];
        double spread = Enumerable.Range(0, values.Length).Max(i => Math.Abs(values[i] - bgr[i / plane]));
        return ([bgr[2], bgr[1], bgr[0]], spread);
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
