using ModelGallery.Models;
using System.CommandLine;
using ModelGallery.Data;
using ModelGallery.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary><c>predict</c>: classify images with the LeNet-5 Fashion-MNIST weights shipped in the package.</summary>
internal static class PredictCommand
{
    /// <summary>The size of Fashion-MNIST's test set, which <c>--index</c> counts in.</summary>
    private const int TestImages = 10_000;

    public static Command Create(IAnsiConsole console)
    {
        var images = new Option<string[]>("--image") { Description = "PNG or JPEG files (bright object on a dark background, or use --invert).", AllowMultipleArgumentsPerToken = true }.ExistingFiles();
        var indices = new Option<int[]>("--index") { Description = "Fashion-MNIST test images by index (0 to 9999).", AllowMultipleArgumentsPerToken = true }.InRange(0, TestImages - 1);
        var top = new Option<int>("--top") { Description = "How many classes to show per image (1 to 10).", DefaultValueFactory = _ => 3 }.InRange(1, 10);
        var invert = new Option<bool>("--invert") { Description = "Invert the images first (dark object on a light background)." };
        var data = new Option<string>("--data") { Description = "Folder with Fashion-MNIST's IDX files (for --index).", DefaultValueFactory = _ => FashionMnist.DebianDirectory };
        var command = new Command("predict", "Classify images with the shipped LeNet-5 Fashion-MNIST weights (no download).") { images, indices, top, invert, data };
        command.Validators.Add(result =>
        {
            // Tokens, not values: a value that does not parse has its own message and must not throw here.
            if ((result.GetResult(images)?.Tokens.Count ?? 0) + (result.GetResult(indices)?.Tokens.Count ?? 0) == 0)
            {
                result.AddError("Name at least one --image FILE or --index N.");
            }
        });
        command.SetAction(parse => Run(console, parse.GetValue(images) ?? [], parse.GetValue(indices) ?? [], parse.GetValue(top), parse.GetValue(invert), parse.GetValue(data)!));
        return command;
    }

    private static int Run(IAnsiConsole console, string[] files, int[] indices, int top, bool invert, string data)
    {
        var weights = LeNet5.FashionMnist;
        using var model = weights.Create();
        using var scope = NewDisposeScope();
        var sources = new List<(string Name, string Truth, Tensor Image)>();
        sources.AddRange(files.Select(file => (file, "-", GrayscaleImages.Load(file, invert))));
        if (indices.Length > 0)
        {
            using var test = FashionMnist.Load(FashionMnistSplit.Test, data);
            foreach (int index in indices)
            {
                if (index < 0 || index >= test.Count)
                {
                    throw new UsageException($"--index {index}: there is no such test image; the indices are 0 to {test.Count - 1}.");
                }

                sources.Add(($"test #{index}", weights.ClassNames[(int)test.Labels[index].item<long>()], test.Images[index..(index + 1)].clone()));
            }
        }

        var batch = weights.Preprocessing.Apply(cat([.. sources.Select(s => s.Image)], 0));
        var predictions = model.Predict(batch, top, weights.ClassNames);
        var table = new Table().Title($"LeNet-5 on Fashion-MNIST (test accuracy {weights.TestAccuracy:P2})").AddColumn("Image").AddColumn("Truth");
        for (int k = 1; k <= top; k++)
        {
            table.AddColumn($"#{k}");
        }

        for (int i = 0; i < sources.Count; i++)
        {
            table.AddRow([Markup.Escape(sources[i].Name), Markup.Escape(sources[i].Truth), .. predictions[i].Select(p => Markup.Escape($"{p.Label} {p.Probability:P1}"))]);
        }

        console.Write(table);
        return 0;
    }
}
