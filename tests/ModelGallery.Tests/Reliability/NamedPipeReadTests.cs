using System.Diagnostics;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Models;
using ModelGallery.Tests.Cli;
using ModelGallery.Tests.Images;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Reliability;

/// <summary>
/// Reading from a named pipe (FIFO): opening one for reading blocks until a writer comes, so every reader stats the
/// path first and refuses it with a typed error (a bad file under Skip). Each call runs under <see cref="Bounded"/>:
/// should a read block, the test opens the pipe's write end to release it and fails, rather than hang the run.
/// </summary>
public sealed class NamedPipeReadTests : TempFolder
{
    [Fact]
    public void ImageFile_refuses_a_named_pipe_naming_it()
    {
        string pipe = Fifo("photo.png");

        var error = Bounded(pipe, () => Record.Exception(() => ImageFile.Read(pipe)));

        var refused = error.Should().BeOfType<ImageDecodeException>().Which;
        refused.Failure.Should().Be(ImageDecodeFailure.NotARegularFile);
        refused.ImageName.Should().Be(pipe);
        refused.Message.Should().Contain(pipe).And.Contain("named pipe (FIFO)").And.Contain("not a regular file");
    }

    [Fact]
    public void LoadWeights_refuses_a_named_pipe_naming_it()
    {
        string pipe = Fifo("lenet5.safetensors");
        using var model = new LeNet5();

        var error = Bounded(pipe, () => Record.Exception(() => model.LoadWeights(pipe)));

        error.Should().BeOfType<WeightsFileException>().Which.Message.Should().Contain(pipe).And.Contain("named pipe (FIFO)");
    }

    [Theory]
    [InlineData("predict", "lenet5", "--image")]
    [InlineData("export", "lenet5", "--output", "out.onnx", "--weights")]
    public void The_cli_refuses_a_named_pipe_in_one_line(params string[] args)
    {
        string pipe = Fifo(args[^1] == "--image" ? "photo.png" : "lenet5.safetensors");
        string[] command = [.. args.Select(a => a.Contains('.', StringComparison.Ordinal) ? Path.Combine(Folder, a) : a), pipe];
        var (exit, _, error) = Bounded(pipe, () => CliRunner.RunSplit(command));

        exit.Should().Be(2, error);
        error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle().Which.Should().Contain(pipe).And.Contain("named pipe (FIFO)");
    }

    [Fact]
    public void An_image_folder_reports_a_named_pipe_as_a_bad_file_and_skips_it()
    {
        string root = Path.Combine(Folder, "images");
        Directory.CreateDirectory(Path.Combine(root, "a"));
        File.Copy(Photos.Fixture("rgba.png"), Path.Combine(root, "a", "good.png"));
        string pipe = Fifo(Path.Combine("images", "a", "f.png"));
        var folder = ImageFolder.Open(root, new ImageFolderOptions { SkipBadFiles = true });

        var scan = Bounded(pipe, () => folder.Scan());
        var valid = Bounded(pipe, () => folder.Validate());
        var loader = ImageLoader.ForEvaluation(folder, ClassificationPreset.ImageNet(32, 32), new ImageLoaderOptions { BatchSize = 2, Workers = 1 });
        var batches = Bounded(pipe, () => loader.Epoch(0).ToList());

        scan.Should().ContainSingle().Which.Path.Should().Be(pipe);
        scan[0].Reason.Should().Contain("named pipe (FIFO)");
        valid.Samples.Select(s => Path.GetFileName(s.Path)).Should().Equal("good.png");
        batches.Should().ContainSingle().Which.Skipped.Should().Be(1);
        batches.ForEach(b => b.Dispose());
        var strict = ImageFolder.Open(root);
        Bounded(pipe, () => Record.Exception(() => strict.Validate())).Should().BeOfType<ImageFolderException>()
            .Which.BadFiles.Should().ContainSingle().Which.Path.Should().Be(pipe);
    }

    private string Fifo(string name)
    {
        string path = Path.Combine(Folder, name);
        using var process = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        process.WaitForExit();
        process.ExitCode.Should().Be(0, process.StandardError.ReadToEnd());
        return path;
    }

    /// <summary>Runs <paramref name="read"/>; if it has not returned after a minute, it is blocked on the pipe: write to release it, then fail.</summary>
    private static T Bounded<T>(string pipe, Func<T> read)
    {
        var task = Task.Run(read);
        if (task.Wait(TimeSpan.FromMinutes(1)))
        {
            return task.Result;
        }

        using (var writer = new FileStream(pipe, FileMode.Open, FileAccess.Write))
        {
            writer.WriteByte(0);
        }

        task.Wait(TimeSpan.FromMinutes(1));
        throw new Xunit.Sdk.XunitException($"Reading '{pipe}' blocked: a named pipe was opened instead of being refused.");
    }
}
