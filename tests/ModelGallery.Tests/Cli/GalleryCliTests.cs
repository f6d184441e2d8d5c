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
            output.Should().Contain(info.Name).And.Contain(info.PaperTitle).And.Contain(info.Parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
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
    [InlineData("summary", "resnet50")]
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
        var (_, output) = Run("summary", "resnet50");

        output.Should().Contain("Unknown model 'resnet50'. Known models: lenet5, alexnet, vgg16, googlenet, alexnet-torchvision, googlenet-torchvision.");
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

    private static (int Exit, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        int exit = GalleryCli.Run(args, console);
        return (exit, writer.ToString());
    }
}
