using System.CommandLine;
using System.CommandLine.Parsing;

namespace ModelGallery.Cli;

/// <summary>The options of <c>train MODEL --data DIR</c> (fine-tuning on an image folder), beside the Fashion-MNIST ones.</summary>
internal sealed class TrainCommandOptions
{
    public Argument<string?> Model { get; } = new("model") { Description = "A registered model to train on --data (an image folder); none: LeNet-5 on Fashion-MNIST.", Arity = ArgumentArity.ZeroOrOne };

    public Option<string?> Val { get; } = new("--val") { Description = "A validation folder with the same class sub-folders (default: --val-split of --data)." };

    public Option<double> ValSplit { get; } = new Option<double>("--val-split") { Description = "Fraction of each class held out for validation, 0 to 0.9 (default 0.2; 0: none).", DefaultValueFactory = _ => 0.2 }.Fraction();

    public Option<string?> Weights { get; } = new("--weights") { Description = "Start from imagenet1k, a tag such as imagenet1k-v2, or a .pth file in torchvision's layout (the classifier is replaced; labelled only if its SHA-256 is the catalogue's)." };

    public Option<string?> Preset { get; } = WeightsChoice.PresetOption();

    public Option<bool> FreezeBackbone { get; } = new("--freeze-backbone") { Description = "Train the classifier only (the backbone's weights and batch-norm statistics stay as loaded)." };

    public Option<bool> NoAugment { get; } = new("--no-augment") { Description = "Train on the evaluation preprocessing (no random crop or flip); with --freeze-backbone the backbone's features are then computed once." };

    public Option<string> Optimizer { get; } = new Option<string>("--optimizer") { Description = "sgd (momentum 0.9, weight decay 1e-4) or adamw (weight decay 0.01).", DefaultValueFactory = _ => "sgd" }.AcceptOnlyFromAmong("sgd", "adamw");

    public Option<string> Schedule { get; } = new Option<string>("--schedule") { Description = "constant, cosine, or step (×0.1 every third of the epochs).", DefaultValueFactory = _ => "cosine" }.AcceptOnlyFromAmong("constant", "cosine", "step");

    public Option<int> Warmup { get; } = new Option<int>("--warmup") { Description = "Epochs of linear warm-up from 1 % of the learning rate.", DefaultValueFactory = _ => 0 }.InRange(0);

    public Option<int> Workers { get; } = new Option<int>("--workers") { Description = "Threads decoding and augmenting images.", DefaultValueFactory = _ => 2 }.InRange(1, 64);

    public Option<string?> Resume { get; } = new Option<string?>("--resume") { Description = "Continue from a checkpoint written by an earlier run with the same options." }.ExistingFiles();

    public Option<bool> SkipBadFiles { get; } = new("--skip-bad-files") { Description = "Report unreadable images and train without them (default: refuse, listing them)." };

    public Option<string?> Cache { get; } = Downloads.CacheOption();

    public Option<string?> BaseUrl { get; } = Downloads.BaseUrlOption();

    /// <summary>Adds the argument and options to <paramref name="command"/>, and a rule: they need a model, and --data then names an image folder.</summary>
    public void AddTo(Command command, params Option[] fashionOnly)
    {
        command.Arguments.Add(Model);
        Option[] mine = [Val, ValSplit, Weights, Preset, FreezeBackbone, NoAugment, Optimizer, Schedule, Warmup, Workers, Resume, SkipBadFiles, Cache, BaseUrl];
        foreach (var option in mine)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
            if (result.GetResult(Model)?.Tokens is [{ Value: ['-', _, ..] } dashed])
            {
                result.AddError($"Unrecognized command or argument '{dashed.Value}'."); // an unknown option, not a model name
                return;
            }

            if (result.GetResult(Model)?.Tokens is not [{ } model])
            {
                if (mine.FirstOrDefault(Given) is { } stray)
                {
                    result.AddError($"{stray.Name} is for fine-tuning a model on an image folder: gallery train MODEL --data DIR {stray.Name} ….");
                }
            }
            else if (fashionOnly.FirstOrDefault(Given) is { } fashion)
            {
                result.AddError($"{fashion.Name} is for LeNet-5 on Fashion-MNIST (gallery train without a model).");
            }
            else if (Given(Val) && Given(ValSplit))
            {
                result.AddError("Give --val DIR or --val-split, not both.");
            }
        });
    }
}

/// <summary>A rule for fractions.</summary>
internal static class FractionRule
{
    /// <summary>Refuses values outside 0 to 0.9.</summary>
    public static Option<double> Fraction(this Option<double> option)
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) && !(value >= 0 && value <= 0.9))
                {
                    result.AddError($"{option.Name} must lie in 0 to 0.9; received {token.Value}.");
                }
            }
        });
        return option;
    }
}
