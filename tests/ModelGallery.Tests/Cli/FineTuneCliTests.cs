using System.Diagnostics;
using System.Text.Json;
using ModelGallery.Data;
using ModelGallery.Images;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// <c>gallery train MODEL --data DIR</c> and <c>gallery evaluate</c> end to end on real images no one here made:
/// Fashion-MNIST's test images written as PNG class folders (LeNet-5, so it runs in seconds).
/// </summary>
public sealed class FineTuneCliTests : TempFolder
{
    private string Data => Path.Combine(Folder, "fashion");

    private void WriteFolder(int images)
    {
        using var test = FashionMnist.Load(train: false);
        FashionMnistFolders.Write(test, Data, images);
    }

    [Fact]
    public void A_model_trains_on_a_folder_keeps_its_best_weights_and_evaluates_them()
    {
        WriteFolder(300);
        string run = Path.Combine(Folder, "run");
        string evaluation = Path.Combine(Folder, "evaluation");

        var (exit, output, error) = GalleryProcess.Run(["train", "lenet5", "--data", Data, "--epochs", "2", "--batch", "32", "--output", run]);

        exit.Should().Be(0, error);
        output.Should().Contain("training images in 10 classes").And.Contain("for validation").And.Contain("epoch 2/2: train loss");
        File.Exists(Path.Combine(run, "best.safetensors")).Should().BeTrue();
        File.Exists(Path.Combine(run, "checkpoint.ckpt")).Should().BeTrue();
        using (var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "results.json"))))
        {
            results.RootElement.GetProperty("result").GetProperty("EpochsDone").GetInt32().Should().Be(2);
            results.RootElement.GetProperty("classes").GetArrayLength().Should().Be(10);
        }

        (exit, output, error) = GalleryProcess.Run(["evaluate", "lenet5", "--weights", Path.Combine(run, "best.safetensors"), "--data", Data, "--output", evaluation]);

        exit.Should().Be(0, error);
        output.Should().Contain("LeNet-5 on 300 images: top-1");
        File.Exists(Path.Combine(evaluation, "confusion-matrix.png")).Should().BeTrue();
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(evaluation, "evaluation.json")));
        var result = json.RootElement.GetProperty("result");
        result.GetProperty("Count").GetInt64().Should().Be(300);
        var matrix = result.GetProperty("ConfusionMatrix").EnumerateArray().Select(row => row.EnumerateArray().Select(n => n.GetInt64()).ToArray()).ToArray();
        matrix.Sum(row => row.Sum()).Should().Be(300, "every image is counted once");
        matrix.Select(row => row.Sum()).Should().Equal(Enumerable.Range(0, 10).Select(label => (long)Directory.GetFiles(Path.Combine(Data, FashionMnistFolders.ClassFolders[label])).Length));
        double diagonal = Enumerable.Range(0, 10).Sum(i => matrix[i][i]) / 300.0;
        result.GetProperty("Top1").GetDouble().Should().BeApproximately(diagonal, 1e-12, "top-1 is the confusion matrix's diagonal");
    }

    [Fact]
    public void A_frozen_backbone_without_augmentation_trains_on_cached_features_with_the_shipped_preprocessing()
    {
        WriteFolder(100);
        string run = Path.Combine(Folder, "run");

        var (exit, output, error) = GalleryProcess.Run(["train", "lenet5", "--data", Data, "--freeze-backbone", "--no-augment", "--epochs", "2", "--batch", "16", "--output", run]);

        exit.Should().Be(0, error);
        output.Should().Contain("backbone frozen, no augmentation").And.Contain("resize 28 (bilinear, antialias, as Pillow), centre crop 32").And.Contain("epoch 2/2: train loss");
        output.Split('\n').Where(line => line.Contains("epoch ", StringComparison.Ordinal) && line.Contains(": train loss", StringComparison.Ordinal))
            .Should().HaveCount(2).And.OnlyContain(line => line.Contains("on cached features", StringComparison.Ordinal), "features are computed once when nothing is random");

        (exit, output, error) = GalleryProcess.Run(["train", "lenet5", "--data", Data, "--freeze-backbone", "--epochs", "1", "--batch", "16", "--output", Path.Combine(Folder, "augmented")]);

        exit.Should().Be(0, error);
        output.Should().Contain("random resized crop and flip").And.NotContain("on cached features", "augmented images differ every epoch");
    }

    [Fact]
    public void Ctrl_C_finishes_the_step_saves_a_checkpoint_and_exits_130()
    {
        WriteFolder(200);
        string run = Path.Combine(Folder, "run");
        var training = GalleryProcess.Start(["train", "lenet5", "--data", Data, "--epochs", "1000", "--batch", "16", "--output", run]);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(run, "checkpoint.ckpt")) && clock.Elapsed < TimeSpan.FromMinutes(2) && !training.Process.HasExited)
        {
            Thread.Sleep(100);
        }

        Signals.Interrupt(training.Process).Should().BeTrue("the run was still going when the checkpoint appeared: {0}", training.Process.HasExited ? "it exited early" : "it runs");

        var (exit, output, error) = training.Finish();

        exit.Should().Be(130, output + error);
        output.Should().Contain("Stopped after").And.Contain("--resume");
        File.Exists(Path.Combine(run, "results.json")).Should().BeTrue();
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "results.json")));
        results.RootElement.GetProperty("result").GetProperty("Cancelled").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public void Resuming_a_finished_run_keeps_its_whole_history_in_results_json()
    {
        WriteFolder(100);
        string run = Path.Combine(Folder, "run");
        string[] train = ["train", "lenet5", "--data", Data, "--epochs", "2", "--batch", "32", "--output", run];
        GalleryProcess.Run(train).Exit.Should().Be(0);
        string first = File.ReadAllText(Path.Combine(run, "results.json"));

        var (exit, output, error) = GalleryProcess.Run([.. train, "--resume", Path.Combine(run, "checkpoint.ckpt")]);

        exit.Should().Be(0, output + error);
        using var before = JsonDocument.Parse(first);
        using var after = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "results.json")));
        var epochs = after.RootElement.GetProperty("result").GetProperty("Epochs");
        epochs.EnumerateArray().Select(e => e.GetProperty("Epoch").GetInt32()).Should().Equal([1, 2], "the checkpoint carries the history; nothing was left to train");
        epochs.EnumerateArray().Select(e => e.GetProperty("TrainLoss").GetDouble())
            .Should().Equal(before.RootElement.GetProperty("result").GetProperty("Epochs").EnumerateArray().Select(e => e.GetProperty("TrainLoss").GetDouble()));
        after.RootElement.GetProperty("result").GetProperty("EpochsDone").GetInt32().Should().Be(2);
    }

    public static TheoryData<string[]> BadArguments() =>
    [
        ["train", "--freeze-backbone"],
        ["train", "lenet5", "--data", "DATA", "--cosine"],
        ["train", "lenet5", "--data", "DATA", "--val", "DATA", "--val-split", "0.1"],
        ["train", "lenet5", "--data", "DATA", "--val-split", "1.5"],
        ["train", "lenet5", "--data", "DATA", "--optimizer", "adam"],
        ["train", "lenet5", "--data", "DATA", "--no-augment", "sometimes"],
        ["train", "lenet5", "--data", "DATA", "--workers", "0"],
        ["train", "lenet5", "--data", "DATA/0_T-shirt_top/00000.png"],
        ["train", "lenet5", "--data", "DATA/0_T-shirt_top"],
        ["train", "lenet5", "--data", "DATA", "--resume", "DATA/nothing.ckpt"],
        ["evaluate", "lenet5", "--data", "DATA"],
        ["evaluate", "lenet5", "--weights", "DATA/none.safetensors", "--data", "DATA"],
    ];

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void A_bad_argument_exits_1_with_one_line(string[] args)
    {
        WriteFolder(20);

        var (exit, output, error) = GalleryProcess.Run([.. args.Select(a => a.Replace("DATA", Data, StringComparison.Ordinal))]);

        exit.Should().Be(1, output + error);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should().StartWith("error: ");
        (output + error).Should().NotContain("   at ").And.NotContain("Exception");
    }
}
