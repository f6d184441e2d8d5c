using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary><c>predict MODEL --image …</c> for the ImageNet models: torchvision's weights, its preset, the top classes by name.</summary>
internal static class ImageNetPrediction
{
    public static async Task<int> RunAsync(IAnsiConsole console, ModelInfo info, string[] files, int top, string weightsValue, string? preset, string? cache, string? baseUrl, CancellationToken cancellationToken)
    {
        var choice = WeightsChoice.ForModel(info, weightsValue, preset);
        var weights = choice.Weights;
        string path = choice.File ?? await Downloads.FetchAsync(console, weights, cache, baseUrl, cancellationToken);

        // A cached file is hashed (once per process) before it is used; a local file matched the catalogue's hash or
        // is labelled as not verified (the user's own, fine-tuned say), with the preset chosen for it.
        using var model = weights.Load(path, verifyHash: choice.Verified);
        using var scope = NewDisposeScope();
        var batch = stack([.. files.Select(file => weights.Preset.Apply(ImageFile.Read(file)))]);
        var predictions = model.Predict(batch, top, weights.Categories);

        var table = new Table().Title(Markup.Escape($"{info.DisplayName}, {choice.Label}; preset: resize {weights.Preset.ResizeSize}, crop {weights.Preset.CropSize}")).AddColumn("Image");
        for (int k = 1; k <= top; k++)
        {
            table.AddColumn($"#{k}");
        }

        for (int i = 0; i < files.Length; i++)
        {
            table.AddRow([Markup.Escape(files[i]), .. predictions[i].Select(p => Markup.Escape($"{p.Label} {p.Probability:P1}"))]);
        }

        console.Write(table);
        return 0;
    }
}
