using System.Diagnostics;
using ModelGallery.Models;
using ModelGallery.Onnx;
using ModelGallery.Tests.Cli;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Weights;

/// <summary>Writing weights and ONNX files onto paths that are not plain files: refused, left as they were.</summary>
public sealed class SpecialPathTests : TempFolder
{
    public static TheoryData<string> Writers => ["SaveWeights", "ExportOnnx", "gallery export"];

    [Theory]
    [MemberData(nameof(Writers))]
    public void A_named_pipe_is_refused_and_left_a_pipe(string writer)
    {
        string pipe = Path.Combine(Folder, "weights.safetensors");
        Run("mkfifo", pipe);

        Write(writer, pipe).Should().Contain(pipe).And.Contain("not a regular file");

        Kind(pipe).Should().Be("fifo");
    }

    [SkippableTheory]
    [MemberData(nameof(Writers))]
    public void A_device_node_is_refused_and_left_a_device(string writer)
    {
        Skip.If(Environment.UserName != "root", "creating a device node (mknod) needs root; CI runs as root");
        string device = Path.Combine(Folder, "null.onnx");
        Run("mknod", device, "c", "1", "3"); // the same device as /dev/null

        Write(writer, device).Should().Contain(device).And.Contain("not a regular file");

        Kind(device).Should().Be("character special file");
    }

    [Fact]
    public void A_symbolic_link_stays_a_link_and_its_target_is_written()
    {
        string target = Path.Combine(Folder, "real.safetensors");
        string link = Path.Combine(Folder, "link.safetensors");
        File.WriteAllText(target, "old");
        File.CreateSymbolicLink(link, target);
        using var model = new LeNet5();

        model.SaveWeights(link);

        new FileInfo(link).LinkTarget.Should().Be(target);
        using var loaded = new LeNet5();
        loaded.LoadWeights(target).IsComplete.Should().BeTrue("the target holds the weights");
        Directory.GetFiles(Folder).Should().BeEquivalentTo([target, link], "no temporary file is left");
    }

    [Fact]
    public void Errors_name_the_users_path_never_the_temporary_file()
    {
        string path = Path.Combine(Folder, "missing-folder", "lenet5.safetensors");
        using var model = new LeNet5();

        var error = FluentActions.Invoking(() => model.SaveWeights(path)).Should().Throw<IOException>().Which;

        error.Message.Should().StartWith($"Cannot write '{path}'").And.NotContain(".tmp");
    }

    private static string Write(string writer, string path)
    {
        using var model = new LeNet5();
        switch (writer)
        {
            case "SaveWeights":
                return FluentActions.Invoking(() => model.SaveWeights(path, WeightsFormat.SafeTensors)).Should().Throw<IOException>().Which.Message;
            case "ExportOnnx":
                return FluentActions.Invoking(() => model.ExportOnnx(path)).Should().Throw<IOException>().Which.Message;
            default:
                var (exit, output, error) = CliRunner.RunSplit("export", "lenet5", "--output", path);
                exit.Should().Be(2, output + error);
                error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().ContainSingle();
                return error;
        }
    }

    private static string Kind(string path) => Run("stat", "-c", "%F", path).Trim();

    private static string Run(string program, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        process.ExitCode.Should().Be(0, $"{program} {string.Join(' ', args)}: {process.StandardError.ReadToEnd()}");
        return output;
    }
}
