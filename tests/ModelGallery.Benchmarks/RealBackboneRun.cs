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
/// The network was trained on BGR pixels in 0–255 less a mean image (<c>ResNetPreprocess.onnx</c>). Here its first
/// convolution's input channels are reversed, so it takes RGB, and the preset subtracts the mean image's per-channel
/// means at that scale: <c>(x/255 − m/255) / (1/255) = x − m</c>. The mean image is nearly flat, so only its
/// per-pixel variation (measured and printed) is lost.
/// </remarks>
internal static class RealBackboneRun
{
    private const int Seed = 1, Batch = 50;
    private const double Rate = 1e-3, WeightDecay = 0.01;

    public static string Run(string trainFolder, string testFolder, bool quick)
    {
        string models = typeof(RealBackboneRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DnnImageModels").Value!;
        var train = AccuracyRun.Subset(ImageFolder.Open(trainFolder), quick ? 20 : 100);
        var test = AccuracyRun.Subset(ImageFolder.Open(testFolder), quick ? 10 : 50);
        int epochs = quick ? 3 : 30, classes = train.Classes.Count;
        var (mean, spread) = MeanImage(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"));
        var preset = new ClassificationPreset(256, 224, [.. mean.Select(m => m / 255)], [1.0 / 255, 1.0 / 255, 1.0 / 255]);
        Console.WriteLine(Invariant($"ML.NET's mean image: channel means (RGB) {string.Join(", ", mean.Select(m => m.ToString("F2", CultureInfo.InvariantCulture)))}, largest distance of a pixel from its channel mean {spread:F2}"));

        manual_seed(Seed);
        using var imported = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], classes);
        var report = OnnxImport.LoadWeights(imported, Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"), LoadOptions.ExceptClassifier);
        Console.WriteLine($"ONNX import: {report.Loaded.Count} tensors loaded, {report.Unexpected.Count} unexpected, {report.Missing.Count} missing");
        using (no_grad())
        {
            var conv1 = imported.state_dict()["conv1.weight"];
            conv1.copy_(conv1.flip(1)); // BGR → RGB
        }

        string weights = Path.Combine(Suite.Output, "resnet-basic-2-2-2-3-mlnet.pt");
        imported.SaveWeights(weights); // the head too: PyTorch starts from the same initial head
        double ours = Train(imported, train, test, preset, epochs);
        Console.WriteLine(Invariant($"ResNet [2, 2, 2, 3], ML.NET's ImageNet backbone frozen: {ours:P2}"));

        string json = Path.Combine(Suite.Output, "pytorch-frozen-head.json");
        Reference.Run("frozen_head.py", [
            "--weights", weights, "--train", train.Root, "--test", test.Root, "--out", json, "--epochs", Text(epochs), "--batch", Text(Batch),
            "--lr", Text(Rate), "--weight-decay", Text(WeightDecay), "--seed", Text(Seed),
            "--mean", .. preset.Mean.Select(Text), "--std", .. preset.Std.Select(Text)], "python3-torch and python3-torchvision (apt)");
        double pytorch = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("top1").GetDouble();
        Console.WriteLine(Invariant($"PyTorch, same weights and recipe: {pytorch:P2}"));

        manual_seed(Seed);
        using var random = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], classes);
        double baseline = Train(random, train, test, preset, epochs);
        Console.WriteLine(Invariant($"ResNet [2, 2, 2, 3], random backbone frozen: {baseline:P2}"));

        double gap = (ours - pytorch) * 100;
        string row = $"ResNet [2, 2, 2, 3] at 224 × 224, ML.NET's ImageNet backbone (imported from ONNX) frozen, {train.Count} training PNGs, {epochs} epochs";
        return Invariant($"| {row} vs PyTorch, same weights and recipe | {ours:P2} vs {pytorch:P2} ({gap:+0.00;−0.00} pt) on {test.Count} test images | within 0.5 pt | {(Math.Abs(gap) <= 0.5 ? "yes" : "no")} |") + Environment.NewLine
            + Invariant($"| the same, real backbone vs random | {ours:P2} vs {baseline:P2} | real above random | {(ours > baseline ? "yes" : "no")} |") + Environment.NewLine;
    }

    /// <summary>The recipe of <see cref="AccuracyRun"/>'s frozen ResNet-18: AdamW 1e-3 (weight decay 0.01), cached features, batch 50.</summary>
    private static double Train(GalleryModel model, ImageFolder train, ImageFolder test, ClassificationPreset preset, int epochs)
    {
        var options = new ImageLoaderOptions { BatchSize = Batch, Workers = Suite.LoaderWorkers, Seed = Seed };
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Optimizer = TrainingOptimizer.AdamW(weightDecay: WeightDecay),
            LearningRate = Rate,
            Freeze = Freeze.Backbone,
            CacheFeatures = true,
            Epochs = epochs,
            Seed = Seed,
        });
        trainer.Run(AccuracyRun.Batches(ImageLoader.ForEvaluation(train, preset, options with { Shuffle = true }), () => trainer.EpochsDone));
        return Trainer.Evaluate(model, AccuracyRun.Batches(ImageLoader.ForEvaluation(test, preset, options), () => 0), test.Classes.Count).Top1;
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
