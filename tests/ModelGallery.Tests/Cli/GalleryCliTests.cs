using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;
using System.Text.Json;
using ModelGallery.Cli;
using ModelGallery.Zoo;
using Spectre.Console;

namespace ModelGallery.Tests.Cli;

public sealed class GalleryCliTests
{
    [Fact]
    public void List_shows_every_registered_model()
    {
        var (exit, output) = Run("list");

        exit.Should().Be(0);
        foreach (var info in ModelZoo.All)
        {
            output.Should().Contain(info.Name).And.Contain(info.Paper.Title).And.Contain(info.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Summary_prints_the_rows_and_totals()
    {
        var (exit, output) = Run("summary", "GoogLeNet");

        exit.Should().Be(0);
        output.Should().Contain("inception5b").And.Contain("1×1024×7×7").And.Contain("5,975,602").And.Contain("1,581,649,920");
    }

    [Fact]
    public void Summary_options_reach_the_summary()
    {
        var (exit, output) = Run("summary", "lenet5", "--depth", "leaves", "--batch", "2", "--classes", "4", "--format", "json");

        exit.Should().Be(0);
        using var json = JsonDocument.Parse(output);
        json.RootElement.GetProperty("depth").GetString().Should().Be("leaves");
        json.RootElement.GetProperty("inputShape").EnumerateArray().Select(e => e.GetInt64()).Should().Equal(2, 3, 32, 32);
        json.RootElement.GetProperty("rows").GetArrayLength().Should().Be(9);
        json.RootElement.GetProperty("rows")[8].GetProperty("outputShape").EnumerateArray().Select(e => e.GetInt64()).Should().Equal(2, 4);
        json.RootElement.GetProperty("totals").GetProperty("macs").GetInt64().Should().Be(2 * (651_720 - 840 + (84 * 4)));
    }

    [Fact]
    public void Summary_as_markdown_has_the_readme_columns()
    {
        var (exit, output) = Run("summary", "vgg16", "--format", "markdown");

        exit.Should().Be(0);
        output.Should().StartWith("| Layer | Kernel Size | Number of Filter | Stride | Padding | Activation Function | Output Size | Parameters | MACs |");
    }

    [Theory]
    [InlineData("summary", "densenet121")]
    [InlineData("summary")]
    [InlineData("summary", "lenet5", "--batch", "0")]
    [InlineData("summary", "lenet5", "--classes", "0")]
    [InlineData("summary", "lenet5", "--format", "pdf")]
    [InlineData("summary", "lenet5", "--depth", "everything")]
    [InlineData("predict")]
    public void Bad_arguments_exit_with_1_and_say_why(params string[] args)
    {
        var (exit, output) = Run(args);

        exit.Should().Be(1);
        output.Should().NotBeEmpty();
    }

    [Fact]
    public void An_unknown_model_is_named_with_the_known_ones()
    {
        var (_, output) = Run("summary", "densenet121");

        output.Should().Contain($"Unknown model 'densenet121'. Known models: {string.Join(", ", ModelGallery.Zoo.ModelZoo.Names)}.");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("list", "--help")]
    [InlineData("summary", "--help")]
    public void Help_is_everywhere(params string[] args)
    {
        var (exit, output) = Run(args);

        exit.Should().Be(0);
        output.Should().Contain("Usage:");
    }

    private static (int Exit, string Output) Run(params string[] args) => CliRunner.Run(args);
}

/// <summary>The train and predict commands (real Fashion-MNIST, shipped weights).</summary>
public sealed class GalleryCliTrainPredictTests : TempFolder
{
    [Fact]
    public void Train_writes_weights_a_curve_and_results()
    {
        var (exit, output) = CliRunner.Run("train", "--epochs", "1", "--limit", "2000", "--output", Folder);

        exit.Should().Be(0, output);
        output.Should().Contain("Test acc.");
        File.Exists(Path.Combine(Folder, "lenet5-fashion-mnist.safetensors")).Should().BeTrue();
        File.ReadAllBytes(Path.Combine(Folder, "training-curve.png"))[..4].Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G');
        using var results = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "results.json")));
        results.RootElement.GetProperty("epochs").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public void Train_without_the_data_says_where_to_get_it()
    {
        var (exit, output) = CliRunner.Run("train", "--data", Folder, "--output", Folder);

        exit.Should().Be(2);
        output.Should().Contain("apt-get install dataset-fashion-mnist");
    }

    [Fact]
    public void Predict_classifies_test_images_by_index_with_the_shipped_weights()
    {
        var (exit, output) = CliRunner.Run("predict", "--index", "0", "1", "--top", "3");

        exit.Should().Be(0, output);
        output.Should().Contain("test #0").And.Contain("Ankle boot").And.Contain("test #1").And.Contain("Pullover");
    }

    [Fact]
    public void Predict_reads_a_png_as_the_same_image()
    {
        // Test image 0 (an ankle boot) written as an RGB PNG must be read back as the same 28×28 image.
        using var test = ModelGallery.Data.FashionMnist.Load(train: false);
        byte[] pixels = test.Images[0].flatten().data<byte>().ToArray();
        string png = Path.Combine(Folder, "boot.png");
        using (var bitmap = new SkiaSharp.SKBitmap(28, 28))
        {
            for (int i = 0; i < pixels.Length; i++)
            {
                bitmap.SetPixel(i % 28, i / 28, new SkiaSharp.SKColor(pixels[i], pixels[i], pixels[i]));
            }

            using var file = File.Create(png);
            bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
        }

        using var read = ModelGallery.Cli.GrayscaleImages.Load(png, invert: false);
        read.flatten().data<byte>().ToArray().Should().Equal(pixels);
        var (exit, output) = CliRunner.Run("predict", "--image", png);
        exit.Should().Be(0, output);
        output.Should().Contain("Ankle boot");
    }

    [Fact]
    public void Predict_explains_a_file_that_is_not_an_image()
    {
        string fake = Path.Combine(Folder, "fake.png");
        File.WriteAllText(fake, "not a png");

        var (exit, output) = CliRunner.Run("predict", "--image", fake);

        exit.Should().Be(2);
        output.Should().Contain(fake).And.Contain("no decoder recognised it");
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("predict", "--index", "0", "--top", "11")]
    public void Predict_without_images_or_with_a_bad_option_exits_1(params string[] args)
    {
        CliRunner.Run(args).Exit.Should().Be(1);
    }

    [Fact]
    public void Predict_names_an_index_out_of_range()
    {
        var (exit, output) = CliRunner.Run("predict", "--index", "10000");

        exit.Should().Be(1, "an index past the test set is a bad argument value");
        output.Should().Contain("--index must lie in 0 to 9999; received 10000");
    }
}

internal static class CliRunner
{
    /// <summary>Runs the CLI in this process; the output is standard output followed by standard error.</summary>
    public static (int Exit, string Output) Run(params string[] args)
    {
        var (exit, output, error) = RunSplit(args);
        return (exit, output + error);
    }

    /// <summary>Runs the CLI in this process, keeping standard output and standard error apart.</summary>
    public static (int Exit, string Output, string Error) RunSplit(params string[] args)
    {
        var writer = new StringWriter();
        var error = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings
        {
            Out = new Spectre.Console.AnsiConsoleOutput(writer),
            Ansi = Spectre.Console.AnsiSupport.No,
            ColorSystem = Spectre.Console.ColorSystemSupport.NoColors,
            Interactive = Spectre.Console.InteractionSupport.No,
        });
        console.Profile.Width = 240;
        int exit = ModelGallery.Cli.GalleryCli.Run(args, console, error);
        return (exit, writer.ToString(), error.ToString());
    }
}
