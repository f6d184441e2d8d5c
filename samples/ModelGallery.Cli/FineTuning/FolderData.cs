using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary>
/// The image folders and presets of <c>train MODEL</c> and <c>evaluate</c>: a model with ImageNet weights uses their
/// preset; any other model is fed at its own input size (shorter side resized to size·256/224, centre crop).
/// </summary>
internal static class FolderData
{
    /// <summary>
    /// The library's bad-file error in the command line's words: which files, and <c>--skip-bad-files</c> (the library's
    /// message names its C# option, <c>SkipBadFiles = true</c>).
    /// </summary>
    public static UsageException BadFiles(ImageFolderException e) => new(
        $"{e.BadFiles.Count} file(s) under '{e.Folder}' cannot be loaded as images: {Listing(e.BadFiles)}. " +
        "Remove or replace them, or pass --skip-bad-files to go on without them.");

    /// <summary>Opens a class-per-sub-folder image folder; bad files are reported (skipped) or fatal (listed).</summary>
    public static ImageFolder Open(IAnsiConsole console, string path, bool skipBadFiles, IReadOnlyList<string>? classes = null)
    {
        if (!Directory.Exists(path))
        {
            throw new UsageException(File.Exists(path) ? $"'{path}' is a file; name a folder with one sub-folder of images per class." : $"No folder at '{path}'.");
        }

        ImageFolder folder;
        try
        {
            folder = ImageFolder.Open(path, new ImageFolderOptions { Classes = classes, SkipBadFiles = skipBadFiles });
        }
        catch (ImageFolderException e) when (e.BadFiles.Count == 0)
        {
            throw new UsageException(e.Message); // a folder without class sub-folders, or a class missing: the argument is wrong
        }

        if (!skipBadFiles)
        {
            try
            {
                return folder.Validate(); // one scan; throws, listing the files
            }
            catch (ImageFolderException e) when (e.BadFiles.Count > 0)
            {
                throw BadFiles(e);
            }
        }

        var badFiles = folder.Scan();
        if (badFiles.Count > 0)
        {
            console.MarkupLine(Markup.Escape($"{path}: {badFiles.Count} of {folder.Count} files cannot be decoded as images, skipped: {Listing(badFiles)}"));
        }

        return folder;
    }

    /// <summary>The first three bad files with their reasons, and how many more.</summary>
    private static string Listing(IReadOnlyList<(string Path, string Reason)> badFiles) =>
        string.Join("; ", badFiles.Take(3).Select(bad => $"'{bad.Path}' ({bad.Reason})")) + (badFiles.Count > 3 ? $"; and {badFiles.Count - 3} more" : string.Empty);

    /// <summary>
    /// The evaluation preset: the ImageNet weights' own; else the preprocessing of the model's shipped weights
    /// (LeNet-5: 28 × 28 gray padded to 32, Fashion-MNIST's mean and std); else ImageNet's statistics at the model's
    /// input size.
    /// </summary>
    public static ClassificationPreset EvaluationPreset(ModelInfo info, PretrainedWeights? weights) =>
        weights?.Preset
        ?? (info.Weights.Count > 0 ? info.Weights[0].Preset : null)
        ?? ClassificationPreset.ImageNet(cropSize: info.Input.Height, resizeSize: info.Input.Height * 256 / 224);
}
