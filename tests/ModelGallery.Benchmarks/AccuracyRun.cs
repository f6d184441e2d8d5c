using System.Globalization;
using System.Text;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Training;
using static TorchSharp.torch;

namespace ModelGallery.Benchmarks;

/// <summary>
/// The fine-tuning issue's accuracy goals (measured, not timed): LeNet-5 trained on Fashion-MNIST through the image
/// folder path (PNG class folders, <see cref="ImageLoader"/>, <see cref="Trainer"/>) against the IDX path
/// (<see cref="Trainer"/> on preloaded tensors) with the same network, initial weights, preprocessing and recipe; and a
/// 224 × 224 model trained with its backbone frozen on a small real subset: seeded or torchvision's weights, and a real
/// ImageNet backbone imported from ONNX (<see cref="RealBackboneRun"/>).
/// </summary>
internal static class AccuracyRun
{
    /// <summary>The README's 10-epoch LeNet-5 recipe: Adam 1e-3 (AdamW without weight decay is the same update), batch 128, constant rate, no augmentation, seed 1.</summary>
    private const int Epochs = 10, Batch = 128, Seed = 1;
    private const double Rate = 1e-3;

    public static string Run(string? frozenWeights, bool quick, bool realOnly)
    {
        set_num_threads(Suite.Threads);
        using var trainSet = FashionMnist.Load(train: true);
        using var testSet = FashionMnist.Load(train: false);
        int epochs = quick ? 2 : Epochs;
        string folders = Path.Combine(Suite.Output, "fashion-mnist-png");
        string trainFolder = Write(trainSet, Path.Combine(folders, "train")), testFolder = Write(testSet, Path.Combine(folders, "test"));
        const string header = "| accuracy goal | measured | goal | met |\n|---|---:|---|---|\n";
        if (realOnly)
        {
            return header + RealBackboneRun.Run(trainFolder, testFolder, quick);
        }

        double idx = IdxPath(trainSet, testSet, epochs);
        Console.WriteLine(Invariant($"LeNet-5, IDX path ({epochs} epochs): test accuracy {idx:P2}"));
        double folder = FolderPath(trainFolder, testFolder, epochs);
        Console.WriteLine(Invariant($"LeNet-5, image-folder path ({epochs} epochs): test accuracy {folder:P2}"));
        var (frozen, classes, trainImages, valImages, source) = FrozenBackbone(trainFolder, testFolder, frozenWeights, quick);
        Console.WriteLine(Invariant($"ResNet-18, frozen backbone ({source}): {frozen:P2} on {valImages} test images, chance {1.0 / classes:P0}"));

        double gap = (folder - idx) * 100;
        var markdown = new StringBuilder(header)
            .AppendLine(Invariant($"| LeNet-5 on Fashion-MNIST, {epochs} epochs: image folder (PNG) vs IDX | {folder:P2} vs {idx:P2} ({gap:+0.00;−0.00} pt) | within 0.5 pt | {(Math.Abs(gap) <= 0.5 ? "yes" : "no")} |"))
            .AppendLine(Invariant($"| ResNet-18 at 224 × 224, backbone frozen ({source}), {trainImages} Fashion-MNIST training PNGs, {classes} classes | {frozen:P2} on {valImages} test images | well above chance ({1.0 / classes:P0}) | {(frozen > 3.0 / classes ? "yes" : "no")} |"))
            .Append(RealBackboneRun.Run(trainFolder, testFolder, quick));
        return markdown.ToString();
    }

    /// <summary>The split as PNG class folders (written once per output folder).</summary>
    private static string Write(FashionMnist split, string folder)
    {
        if (!Directory.Exists(folder) || Directory.EnumerateFiles(folder, "*.png", SearchOption.AllDirectories).Count() != split.Count)
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            FashionMnistFolders.Write(split, folder);
        }

        return folder;
    }

    private static double IdxPath(FashionMnist trainSet, FashionMnist testSet, int epochs)
    {
        var preprocessing = LeNet5.FashionMnist.Preset;
        using var inputs = preprocessing.Apply(trainSet.Images);
        using var testInputs = preprocessing.Apply(testSet.Images);
        manual_seed(Seed);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, TrainingOptions.FashionMnist with { Epochs = epochs, LearningRate = Rate, Seed = Seed });
        trainer.Run(trainer.Batches(inputs, trainSet.Labels, Batch));
        return Trainer.Evaluate(model, testInputs, testSet.Labels).Top1;
    }

    private static double FolderPath(string trainFolder, string testFolder, int epochs)
    {
        var train = ImageFolder.Open(trainFolder);
        var test = ImageFolder.Open(testFolder, new ImageFolderOptions { Classes = train.Classes });
        var preset = LeNet5.FashionMnist.Preset;
        var options = new ImageLoaderOptions { BatchSize = Batch, Workers = Suite.LoaderWorkers, Seed = Seed };
        var trainLoader = ImageLoader.ForEvaluation(train, preset, options with { Shuffle = true });
        var testLoader = ImageLoader.ForEvaluation(test, preset, options with { BatchSize = 1000 });
        manual_seed(Seed);
        using var model = new LeNet5();
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Optimizer = TrainingOptimizer.AdamW(weightDecay: 0),
            LearningRate = Rate,
            Epochs = epochs,
            Seed = Seed,
        });
        var result = trainer.Run(Batches(trainLoader, () => trainer.EpochsDone), Batches(testLoader, () => 0));
        return result[^1].Validation!.Top1;
    }

    /// <summary>
    /// ResNet-18 with its backbone frozen, a new 10-class head trained on cached features (no augmentation) of the
    /// first training PNGs, measured on the first test PNGs, ImageNet's 256 → 224 preset. The backbone is the weights
    /// file given (torchvision's resnet18-f37072fd.pth, say), else torchvision's initialisation: no ImageNet weights
    /// can be downloaded on a machine without internet, and random convolutional features still carry information.
    /// </summary>
    private static (double Top1, int Classes, int TrainImages, int ValImages, string Source) FrozenBackbone(string trainFolder, string testFolder, string? weights, bool quick)
    {
        var train = Subset(ImageFolder.Open(trainFolder), quick ? 20 : 100);
        var test = Subset(ImageFolder.Open(testFolder), quick ? 10 : 50);
        var preset = ResNet.ResNet18ImageNet1K.Preset;
        var options = new ImageLoaderOptions { BatchSize = 50, Workers = Suite.LoaderWorkers, Seed = Seed };
        manual_seed(Seed);
        using GalleryModel model = weights is null
            ? new ResNet(18, train.Classes.Count)
            : ResNet.ResNet18ImageNet1K.Load(weights, verifyHash: false, numClasses: train.Classes.Count);
        using var trainer = new Trainer(model, new TrainingOptions
        {
            Optimizer = TrainingOptimizer.AdamW(),
            LearningRate = 1e-3,
            Freeze = Freeze.Backbone,
            CacheFeatures = true,
            Epochs = quick ? 3 : 30,
            Seed = Seed,
        });
        var trainLoader = ImageLoader.ForEvaluation(train, preset, options with { Shuffle = true });
        trainer.Run(Batches(trainLoader, () => trainer.EpochsDone));
        var evaluation = Trainer.Evaluate(model, Batches(ImageLoader.ForEvaluation(test, preset, options), () => 0), test.Classes.Count);
        return (evaluation.Top1, test.Classes.Count, train.Count, test.Count, weights is null ? "torchvision's initialisation, no ImageNet weights" : Path.GetFileName(weights));
    }

    /// <summary>The first <paramref name="perClass"/> images of every class.</summary>
    internal static ImageFolder Subset(ImageFolder folder, int perClass)
    {
        string root = Path.Combine(Suite.Output, $"fashion-mnist-subset-{Path.GetFileName(folder.Root)}-{perClass}");
        if (!Directory.Exists(root))
        {
            foreach (var group in folder.Samples.GroupBy(s => s.Label))
            {
                string target = Path.Combine(root, folder.Classes[group.Key]);
                Directory.CreateDirectory(target);
                foreach (var sample in group.Take(perClass))
                {
                    File.Copy(sample.Path, Path.Combine(target, Path.GetFileName(sample.Path)));
                }
            }
        }

        return ImageFolder.Open(root);
    }

    internal static IEnumerable<(Tensor, Tensor)> Batches(ImageLoader loader, Func<int> epoch)
    {
        foreach (var batch in loader.Epoch(epoch()))
        {
            yield return (batch.Images, batch.Labels);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
