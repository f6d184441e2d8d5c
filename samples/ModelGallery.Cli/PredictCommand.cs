using ModelGallery.Models;
using System.CommandLine;
using ModelGallery.Data;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary><c>predict</c>: classify images with the LeNet-5 Fashion-MNIST weights shipped in the package, or with an ImageNet model.</summary>
internal static class PredictCommand
{
    /// <summary>The size of Fashion-MNIST's test set, which <c>--index</c> counts in.</summary>
    private const int TestImages = 10_000;

    public static Command Create(IAnsiConsole console)
    {
        var model = new Argument<string>("model") { Description = "lenet5 (the shipped Fashion-MNIST weights, the default) or a model with ImageNet weights.", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "lenet5" };
        var images = new Option<string[]>("--image") { Description = "Image files (JPEG, PNG, WebP, BMP, GIF). For lenet5: bright object on a dark background, or use --invert.", AllowMultipleArgumentsPerToken = true }.ExistingFiles();
        var indices = new Option<int[]>("--index") { Description = "lenet5: Fashion-MNIST test images by index (0 to 9999).", AllowMultipleArgumentsPerToken = true }.InRange(0, TestImages - 1);
        var top = new Option<int?>("--top") { Description = "How many classes to show per image (default 3 for lenet5, 5 for ImageNet models)." }.InRange(1, 1000);
        var invert = new Option<bool>("--invert") { Description = "lenet5: invert the images first (dark object on a light background)." };
        var data = new Option<string>("--data") { Description = "lenet5: folder with Fashion-MNIST's IDX files (for --index).", DefaultValueFactory = _ => FashionMnist.DebianDirectory };
        var weights = new Option<string>("--weights") { Description = "ImageNet models: imagenet1k (the default file), a tag such as imagenet1k-v2, or a local .pth file (labelled only if its SHA-256 is the catalogue's).", DefaultValueFactory = _ => "imagenet1k" };
        var preset = WeightsChoice.PresetOption();
        var cache = Downloads.CacheOption();
        var baseUrl = Downloads.BaseUrlOption();
        var command = new Command("predict", "Classify images: LeNet-5 with its shipped Fashion-MNIST weights, or an ImageNet model with torchvision's weights (downloaded once).")
        {
            model, images, indices, top, invert, data, weights, preset, cache, baseUrl,
        };
        command.Validators.Add(result =>
        {
            // Tokens, not values: a value that does not parse has its own message and must not throw here.
            string name = result.GetResult(model)?.Tokens is [{ } token] ? token.Value : "lenet5";
            int imageCount = result.GetResult(images)?.Tokens.Count ?? 0, indexCount = result.GetResult(indices)?.Tokens.Count ?? 0;
            if (!ModelZoo.TryGet(name, out var info))
            {
                result.AddError($"Unknown model '{name}'. Known models: {string.Join(", ", ModelZoo.Names)}.");
            }
            else if (info == LeNet5.Info)
            {
                if (imageCount + indexCount == 0)
                {
                    result.AddError("Name at least one --image FILE or --index N.");
                }

                if (result.GetResult(weights) is { Implicit: false } || result.GetResult(preset) is not null)
                {
                    result.AddError("--weights and --preset are for ImageNet models; lenet5 uses its shipped Fashion-MNIST weights.");
                }
            }
            else if (imageCount == 0 || indexCount > 0 || result.GetResult(invert) is { Implicit: false })
            {
                result.AddError($"{info.Name} classifies --image FILE...; --index and --invert are for lenet5.");
            }
        });
        command.SetAction((parse, token) =>
        {
            var info = ModelZoo.Get(parse.GetValue(model)!);
            return info == LeNet5.Info
                ? Task.FromResult(Run(console, parse.GetValue(images) ?? [], parse.GetValue(indices) ?? [], parse.GetValue(top) ?? 3, parse.GetValue(invert), parse.GetValue(data)!))
                : ImageNetPrediction.RunAsync(console, info, parse.GetValue(images)!, parse.GetValue(top) ?? 5, parse.GetValue(weights)!, parse.GetValue(preset), parse.GetValue(cache), parse.GetValue(baseUrl), token);
        });
        return command;
    }

    private static int Run(IAnsiConsole console, string[] files, int[] indices, int top, bool invert, string data)
    {
        var weights = LeNet5.FashionMnist;
        if (top > weights.Categories.Count)
        {
            throw new UsageException($"--top must lie in 1 to {weights.Categories.Count} for lenet5; received {top}.");
        }

        using var model = weights.Load();
        using var scope = NewDisposeScope();
        var sources = new List<(string Name, string Truth, Tensor Image)>();
        sources.AddRange(files.Select(file => (file, "-", GrayscaleImages.Load(file, invert))));
        if (indices.Length > 0)
        {
            using var test = FashionMnist.Load(train: false, data);
            foreach (int index in indices)
            {
                if (index < 0 || index >= test.Count)
                {
                    throw new UsageException($"--index {index}: there is no such test image; the indices are 0 to {test.Count - 1}.");
                }

                sources.Add(($"test #{index}", weights.Categories[(int)test.Labels[index].item<long>()], test.Images[index..(index + 1)].clone()));
            }
        }

        var batch = LeNet5.FashionMnist.Preset.Apply(cat([.. sources.Select(s => s.Image)], 0));
        var predictions = model.Predict(batch, top, weights.Categories);
        var table = new Table().Title(Markup.Escape($"LeNet-5, {weights.Label}")).AddColumn("Image").AddColumn("Truth");
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
