using ModelGallery.Models;
using ModelGallery.Tests.Images;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Cli;

/// <summary>Newcomer mistakes get one line in the command line's own words (issue 27, item 12): exit 1, no .NET type or C# API names.</summary>
public sealed class CliMessageTests : TempFolder
{
    [Theory]
    [InlineData("--lr", "abc", "--lr expects a number (such as 0.01); received 'abc'.")]
    [InlineData("--epochs", "ten", "--epochs expects a whole number; received 'ten'.")]
    public void A_value_that_does_not_parse_names_the_option_and_the_kind_of_value_expected(string option, string value, string message)
    {
        var (exit, _, error) = CliRunner.RunSplit("train", option, value);

        exit.Should().Be(1);
        OneLine(error).Should().Contain(message).And.NotContain("System.").And.NotContain("`1");
    }

    [Theory]
    [InlineData(new[] { "train", "--epoch", "2" }, "'--epoch': did you mean '--epochs'?")]
    [InlineData(new[] { "train", "--epoch" }, "'--epoch': did you mean '--epochs'?")]
    [InlineData(new[] { "train", "lenet5", "--data", "x", "--optimiser", "sgd" }, "'--optimiser': did you mean '--optimizer'?")]
    [InlineData(new[] { "summary", "lenet5", "--dept", "leaves" }, "'--dept': did you mean '--depth'?")]
    public void A_misspelt_option_gets_the_closest_known_one(string[] args, string suggestion)
    {
        var (exit, _, error) = CliRunner.RunSplit(args);

        exit.Should().Be(1);
        OneLine(error).Should().Contain(suggestion);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("export", "lenet5")]
    [InlineData("evaluate", "lenet5", "--data", "DATA", "--weights", "WEIGHTS")]
    [InlineData("figures")]
    public void An_empty_output_path_is_a_usage_error_on_one_line(params string[] args)
    {
        string weights = Path.Combine(Folder, "w.safetensors");
        File.WriteAllText(weights, "x");

        var (exit, _, error) = CliRunner.RunSplit([.. args.Select(a => a.Replace("DATA", Folder, StringComparison.Ordinal).Replace("WEIGHTS", weights, StringComparison.Ordinal)), "--output", ""]);

        exit.Should().Be(1);
        OneLine(error).Should().Contain("--output needs a path; received an empty one.").And.NotContain("(Parameter");
    }

    [Fact]
    public void A_bad_image_names_the_command_line_option_not_the_CSharp_one()
    {
        string data = Path.Combine(Folder, "data");
        foreach (string name in new[] { "cat/1.bmp", "cat/2.bmp", "dog/1.bmp", "dog/2.bmp" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(data, name))!);
            File.Copy(Photos.Fixture("rgb.bmp"), Path.Combine(data, name));
        }

        string truncated = Path.Combine(data, "cat", "truncated.jpg");
        File.Copy(Photos.Fixture("truncated-half.jpg"), truncated);

        var (exit, _, error) = CliRunner.RunSplit("train", "lenet5", "--data", data, "--epochs", "1", "--output", Path.Combine(Folder, "run"));

        exit.Should().Be(1);
        OneLine(error).Should().Contain(truncated).And.Contain("--skip-bad-files").And.NotContain("BadFiles");
    }

    [Fact]
    public void Exporting_fine_tuned_weights_without_classes_suggests_classes()
    {
        string weights = Path.Combine(Folder, "five-classes.safetensors");
        using (var fineTuned = new LeNet5(numClasses: 5))
        {
            fineTuned.SaveWeights(weights);
        }

        var (exit, _, error) = CliRunner.RunSplit("export", "lenet5", "--weights", weights, "--output", Path.Combine(Folder, "lenet5.onnx"));

        exit.Should().Be(1);
        OneLine(error).Should().Contain("have 5 classes").And.Contain("pass --classes 5");
        CliRunner.RunSplit("export", "lenet5", "--weights", weights, "--classes", "5", "--output", Path.Combine(Folder, "lenet5.onnx")).Exit.Should().Be(0, "the suggestion works");
    }

    private static string OneLine(string error)
    {
        error.Trim().Split('\n').Should().ContainSingle();
        error.Should().StartWith("error: ");
        return error;
    }
}
