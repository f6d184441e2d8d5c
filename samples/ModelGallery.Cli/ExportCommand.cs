using ModelGallery.Modeling;
using ModelGallery.Models;
using System.CommandLine;
using System.Globalization;
using ModelGallery.Onnx;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary><c>gallery export MODEL --output FILE</c>: the model, optionally with weights from a file, as ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create(IAnsiConsole console)
    {
        var model = GalleryCli.ModelArgument();
        var output = new Option<string>("--output") { Description = "The .onnx file to write (atomically).", Required = true }.NotEmpty();
        var weights = new Option<string?>("--weights") { Description = "A .safetensors or PyTorch file to load first (all or nothing); default: fresh weights." }.ExistingFiles();
        var classes = GalleryCli.ClassesOption();
        var export = new Command("export", "Export a model to ONNX (opset 17, dynamic batch) for ONNX Runtime and other runtimes.") { model, output, weights, classes };
        export.SetAction(parse =>
        {
            var info = ModelZoo.Get(parse.GetValue(model)!);
            using var live = info.Create(new ModelOptions { NumClasses = parse.GetValue(classes) });
            if (parse.GetValue(weights) is { } file)
            {
                try
                {
                    live.LoadWeights(file);
                }
                catch (WeightsMismatchException e) when (parse.GetValue(classes) is null && ClassesInFile(live, e) is { } count)
                {
                    throw new UsageException(
                        $"The weights in '{file}' have {count} classes, {info.DisplayName} has {live.NumClasses} by default; for fine-tuned weights pass --classes {count}.");
                }
            }

            live.eval();
            string path = parse.GetValue(output)!;
            live.ExportOnnx(path);
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"wrote {path}: {info.DisplayName}, input batch×{live.Input.Channels}×{live.Input.Height}×{live.Input.Width}, output batch×{live.NumClasses} logits, opset {OnnxExport.Opset}, {new FileInfo(path).Length:N0} bytes");
            return 0;
        });
        return export;
    }

    /// <summary>The class count the file's classifier has, when the mismatch is the classifier's rows and nothing else.</summary>
    private static long? ClassesInFile(GalleryModel model, WeightsMismatchException e)
    {
        string classifier = (model.ClassifierModules.Count > 0 ? model.ClassifierModules[0] : string.Empty) + ".";
        var report = e.Report;
        if (report.Missing.Count > 0 || report.Unexpected.Count > 0 || report.Mismatched.Count == 0 || !report.Mismatched.All(m => m.Key.StartsWith(classifier, StringComparison.Ordinal)))
        {
            return null;
        }

        var weight = report.Mismatched.Any(m => m.Key == classifier + "weight") ? report.Mismatched.First(m => m.Key == classifier + "weight") : report.Mismatched[0];
        var first = System.Text.RegularExpressions.Regex.Match(weight.Found, @"\[(\d+)");
        return first.Success ? long.Parse(first.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}
