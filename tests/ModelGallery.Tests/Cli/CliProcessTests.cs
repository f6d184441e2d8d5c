using System.Diagnostics;
using System.Text.Json;
using ModelGallery.Models;
using ModelGallery.Tests.Weights;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Cli;

/// <summary>
/// The built <c>gallery</c> executable run as a user runs it: every bad argument value exits 1, every failure exits 2,
/// each with one line on standard error and never a stack trace.
/// </summary>
public sealed class CliProcessTests : TempFolder
{
    [Theory]
    [InlineData("summary", "lenet5", "--batch", "many")]
    [InlineData("summary", "lenet5", "--classes", "abc")]
    [InlineData("predict", "--index", "abc")]
    [InlineData("predict", "--index", "0", "--top", "x")]
    [InlineData("train", "--epochs", "ten")]
    [InlineData("train", "--lr", "NaN")]
    [InlineData("train", "--lr", "Infinity")]
    [InlineData("train", "--lr", "-1")]
    [InlineData("train", "--lr", "0")]
    [InlineData("train", "--limit", "0")]
    [InlineData("train", "--limit", "-5")]
    [InlineData("predict", "--index", "10000")]
    [InlineData("predict", "--image", "no-such-image.png")]
    [InlineData("export", "lenet5", "--output", "x.onnx", "--weights", "no-such-weights.pt")]
    [InlineData("summary", "densenet121")]
    public void A_bad_argument_value_exits_1_with_a_message_and_no_stack_trace(params string[] args)
    {
        var (exit, output, error) = Gallery(args);

        exit.Should().Be(1, output + error);
        error.Trim().Split('\n').Should().ContainSingle("one clear line, not the help text").Which.Should().StartWith("error: ");
        output.Should().BeEmpty();
        (output + error).Should().NotContain("Unhandled").And.NotContain("   at ").And.NotContain("Exception");
    }

    [Fact]
    public void Training_with_an_existing_file_as_output_is_refused_before_the_first_epoch()
    {
        string file = Path.Combine(Folder, "taken");
        File.WriteAllText(file, "mine");

        var (exit, output, error) = Gallery("train", "--epochs", "50", "--output", file);

        exit.Should().Be(1);
        error.Trim().Should().Be($"error: --output '{file}' is a file; name a folder (it is created if missing).");
        output.Should().NotContain("epoch 1/50", "no epoch ran");
        File.ReadAllText(file).Should().Be("mine");
    }

    [Fact]
    public void Training_into_a_folder_that_cannot_be_created_is_refused_before_the_first_epoch()
    {
        string file = Path.Combine(Folder, "taken");
        File.WriteAllText(file, "mine");
        string output = Path.Combine(file, "run"); // a folder inside a file cannot exist

        var (exit, stdout, error) = Gallery("train", "--epochs", "50", "--output", output);

        exit.Should().Be(1);
        error.Trim().Should().StartWith($"error: --output '{output}' cannot be written:");
        stdout.Should().NotContain("epoch 1/50");
    }

    [Fact]
    public void Export_takes_a_torchvision_googlenet_file_with_its_aux_heads()
    {
        string weights = Path.Combine(Folder, "googlenet-1378be20.pth");
        using (var torchvision = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true))
        {
            torchvision.SaveWeights(weights);
        }

        var (exit, output, error) = Gallery("export", "googlenet-torchvision", "--classes", "1000", "--weights", weights, "--output", Path.Combine(Folder, "googlenet.onnx"));

        exit.Should().Be(0, error);
        output.Should().Contain("GoogLeNet (torchvision)").And.Contain("batch×1000 logits");
    }

    [Fact]
    public void A_run_that_diverges_exits_2_keeps_finite_weights_and_writes_valid_results()
    {
        var (exit, output, error) = Gallery("train", "--epochs", "3", "--limit", "512", "--lr", "1e30", "--output", Folder);

        exit.Should().Be(2, output + error);
        error.Trim().Split('\n').Should().ContainSingle().Which.Should().Match("error: Training LeNet5 diverged at epoch 1, step *");
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "results.json")));
        results.RootElement.GetProperty("diverged").GetString().Should().StartWith("Training LeNet5 diverged at epoch 1");
        using var model = new LeNet5();
        model.LoadWeights(Path.Combine(Folder, "lenet5-fashion-mnist.safetensors")).IsComplete.Should().BeTrue();
        model.parameters().Should().AllSatisfy(p => p.isfinite().all().item<bool>().Should().BeTrue());
    }

    [Fact]
    public void Epochs_are_printed_as_they_end()
    {
        var (exit, output, error) = Gallery("train", "--epochs", "2", "--limit", "256", "--output", Folder);

        exit.Should().Be(0, error);
        output.Should().Contain("epoch 1/2: train loss").And.Contain("epoch 2/2: train loss");
        output.IndexOf("epoch 1/2: train loss", StringComparison.Ordinal).Should().BeLessThan(output.IndexOf("epoch 2/2: train loss", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failure_while_running_exits_2_with_one_line()
    {
        string weights = Path.Combine(Folder, "four-classes.safetensors");
        using (var model = new LeNet5(numClasses: 4))
        {
            model.SaveWeights(weights);
        }

        // --classes given and wrong: the load fails while running (without --classes the CLI suggests the file's count, exit 1)
        var (exit, output, error) = Gallery("export", "lenet5", "--output", Path.Combine(Folder, "x.onnx"), "--weights", weights, "--classes", "3");

        exit.Should().Be(2, output);
        error.Trim().Should().StartWith($"error: The weights in '{weights}' do not fit LeNet5; nothing was loaded. 2 problem(s): mismatch: 'fc3.bias' is Float32 [3] in the model but Float32 [4] in the file; mismatch: 'fc3.weight'");
        error.Trim().Split('\n').Should().ContainSingle();
        (output + error).Should().NotContain("   at ");
    }

    [Fact]
    public void Verbose_shows_the_whole_exception()
    {
        var (exit, _, error) = Gallery("predict", "--image", Fixture.Path("lenet5.pt"), "--verbose");

        exit.Should().Be(2);
        error.Should().StartWith("error: Cannot decode the image '").And.Contain("no decoder recognised it").And.Contain("ImageDecodeException").And.Contain("   at ");
    }

    [Fact]
    public void A_summary_too_large_for_memory_exits_2_naming_the_size()
    {
        var (exit, output, error) = Gallery("summary", "vgg16", "--batch", "100000");

        exit.Should().Be(2, output);
        error.Trim().Should().StartWith("error: Vgg16 has not enough memory for a summary with input [100000, 3, 224, 224] (60.2 GB for the input alone)");
        error.Trim().Split('\n').Should().ContainSingle();
    }

    [Fact]
    public void The_version_is_the_packages()
    {
        var (exit, output, _) = Gallery("--version");

        exit.Should().Be(0);
        output.Trim().Should().StartWith(typeof(WeightsExtensions).Assembly.GetName().Version!.ToString(3)).And.StartWith("0.1.0");
    }

    [Fact]
    public void Export_names_the_variant()
    {
        var (exit, output, error) = Gallery("export", "alexnet-torchvision", "--output", Path.Combine(Folder, "a.onnx"));

        exit.Should().Be(0, error);
        output.Should().Contain(": AlexNet (torchvision), input batch×3×224×224");
    }

    private static (int Exit, string Output, string Error) Gallery(params string[] args) => GalleryProcess.Run(args);
}
