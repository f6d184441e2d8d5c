using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Zoo;
using Spectre.Console;
using static TorchSharp.torch;

namespace ModelGallery.Cli;

/// <summary>
/// <c>train MODEL --data DIR</c>: fine-tunes a registered model on a class-per-folder image set with the parallel
/// loader and <see cref="Trainer"/>; a line per epoch, a checkpoint after each, the best weights by validation
/// accuracy, results.json. Ctrl+C finishes the step, writes the checkpoint and exits 130.
/// </summary>
internal static class FineTuneRun
{
    /// <summary>The shared settings of both kinds of training.</summary>
    internal sealed record Common(int Epochs, int? Batch, double? LearningRate, long Seed, int Threads, string Data, string? Output);

    public static async Task<int> RunAsync(IAnsiConsole console, TrainCommandOptions cli, ParseResult parse, Common common, CancellationToken cancellationToken)
    {
        set_num_threads(common.Threads);
        var info = ModelZoo.Get(parse.GetValue(cli.Model)!);
        string output = common.Output ?? $"{info.Name}-fine-tuned";
        TrainCommand.PrepareOutput(output);
        bool skip = parse.GetValue(cli.SkipBadFiles);
        var train = FolderData.Open(console, common.Data, skip);
        ImageFolder? validation = null;
        if (parse.GetValue(cli.Val) is { } val)
        {
            validation = FolderData.Open(console, val, skip, train.Classes);
        }
        else if (parse.GetValue(cli.ValSplit) > 0)
        {
            var split = train.Split(parse.GetValue(cli.ValSplit), (int)common.Seed);
            (train, validation) = (split.Train, split.Validation);
        }

        int classes = train.Classes.Count;
        manual_seed(common.Seed);
        WeightsChoice? choice = null;
        GalleryModel model;
        if (parse.GetValue(cli.Weights) is { } weightsValue)
        {
            choice = WeightsChoice.ForModel(info, weightsValue, parse.GetValue(cli.Preset));
            string file = choice.File ?? await Downloads.FetchAsync(console, choice.Weights, parse.GetValue(cli.Cache), parse.GetValue(cli.BaseUrl), cancellationToken);
            model = choice.Weights.Load(file, verifyHash: choice.Verified, numClasses: classes);
        }
        else if (parse.GetValue(cli.Preset) is not null)
        {
            throw new UsageException("--preset says which weights entry a --weights FILE is; give --weights too.");
        }
        else
        {
            model = info.Create(new ModelOptions { NumClasses = classes });
        }

        using var owned = model;
        bool adamW = parse.GetValue(cli.Optimizer) == "adamw";
        bool noAugment = parse.GetValue(cli.NoAugment), freeze = parse.GetValue(cli.FreezeBackbone);
        var options = new TrainingOptions
        {
            Optimizer = adamW ? TrainingOptimizer.AdamW() : TrainingOptimizer.Sgd(),
            LearningRate = common.LearningRate ?? (adamW ? 1e-3 : 0.01),
            Schedule = parse.GetValue(cli.Schedule) switch
            {
                "cosine" => LearningRateSchedule.Cosine,
                "step" => LearningRateSchedule.StepDecay(stepEpochs: Math.Max(1, common.Epochs / 3)),
                _ => LearningRateSchedule.Constant,
            },
            WarmupEpochs = parse.GetValue(cli.Warmup),
            Freeze = freeze ? Freeze.Backbone : Freeze.None,
            CacheFeatures = freeze && noAugment,
            Epochs = common.Epochs,
            Seed = common.Seed,
        };
        using var trainer = new Trainer(model, options);
        if (parse.GetValue(cli.Resume) is { } resume)
        {
            trainer.Resume(resume);
        }

        var loaderOptions = new ImageLoaderOptions { BatchSize = common.Batch ?? 16, Workers = parse.GetValue(cli.Workers), Seed = (int)common.Seed };
        var preset = FolderData.EvaluationPreset(info, choice?.Weights);
        var loader = noAugment
            ? ImageLoader.ForEvaluation(train, preset, loaderOptions with { Shuffle = true })
            : ImageLoader.ForTraining(train, preset, loaderOptions with { Shuffle = true });
        var evaluation = validation is null ? null : ImageLoader.ForEvaluation(validation, preset, loaderOptions);
        IEnumerable<(Tensor, Tensor)> TrainBatches()
        {
            // Not the run's token: the trainer stops between steps on it, finishing the step and saving a checkpoint.
            foreach (var batch in loader.Epoch(trainer.EpochsDone, CancellationToken.None))
            {
                yield return (batch.Images, batch.Labels);
            }
        }

        IEnumerable<(Tensor, Tensor)>? ValidationBatches() => evaluation?.Epoch(0, CancellationToken.None).Select(batch => (batch.Images, batch.Labels));

        console.MarkupLine(Markup.Escape($"{info.DisplayName}: {train.Count:N0} training images in {classes} classes ({string.Join(", ", train.Classes.Take(8))}{(classes > 8 ? ", …" : string.Empty)}), {validation?.Count ?? 0:N0} for validation; {(choice is null ? "fresh weights" : choice.Label)}; {parse.GetValue(cli.Optimizer)}, lr {options.LearningRate}, {parse.GetValue(cli.Schedule)} schedule{(options.WarmupEpochs > 0 ? $" after {options.WarmupEpochs} warm-up epoch(s)" : string.Empty)}, {(freeze ? "backbone frozen" : "all layers trained")}, {(noAugment ? "no augmentation" : "random resized crop and flip")}; {preset}."));
        string checkpoint = Path.Combine(output, "checkpoint.ckpt");
        string best = Path.Combine(output, "best.safetensors");
        var rows = new List<EpochResult>();
        var clock = Stopwatch.StartNew();
        IReadOnlyList<EpochResult> epochsRun;
        try
        {
            epochsRun = console.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("starting", maxValue: loader.BatchesPerEpoch);
                    var steps = new Inline<TrainingProgress>(p =>
                    {
                        double rate = p.Step * loaderOptions.BatchSize / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                        task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{options.Epochs} step {p.Step}/{loader.BatchesPerEpoch} loss {p.Loss:0.000} {rate:N0} img/s{(p.OnCachedFeatures ? " (cached features)" : string.Empty)}"));
                        task.Value = p.Step;
                    });
                    var epochs = new Inline<EpochResult>(r =>
                    {
                        rows.Add(r);
                        console.MarkupLine(Markup.Escape(EpochLine(r, options.Epochs)));
                        clock.Restart();
                        task.Value = 0;
                    });
                    return trainer.Run(TrainBatches(), ValidationBatches(), checkpoint, validation is null ? null : best, steps, epochs, cancellationToken);
                });
        }
        catch (ImageFolderException e) when (e.BadFiles.Count > 0)
        {
            throw FolderData.BadFiles(e); // a file that broke after the scan (replaced, truncated, a special file)
        }

        bool cancelled = epochsRun is [.., { Completed: false }];
        var result = new
        {
            Epochs = cancelled ? [.. trainer.History, epochsRun[^1]] : trainer.History, // the whole run, across resumes
            Cancelled = cancelled,
            trainer.EpochsDone,
            trainer.BestAccuracy,
            CheckpointPath = checkpoint,
        };
        File.WriteAllText(Path.Combine(output, "results.json"), JsonSerializer.Serialize(new { model = info.Name, classes = train.Classes, options = options.ToString(), weights = choice?.Record, result }, TrainCommand.Json));
        if (cancelled)
        {
            console.MarkupLine(Markup.Escape($"Stopped after {trainer.EpochsDone} complete epoch(s); the checkpoint {checkpoint} holds the last step. Continue with --resume {checkpoint}."));
            return 130;
        }

        console.MarkupLine(Markup.Escape($"Saved {checkpoint}{(validation is null ? string.Empty : $", the best weights ({trainer.BestAccuracy:P2} validation top-1) in {best}")} and results.json."));
        return 0;
    }

    private static string EpochLine(EpochResult r, int epochs) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {r.Epoch}/{epochs}: train loss {r.TrainLoss:0.0000}, train acc. {r.TrainAccuracy:P2}{(r.Validation is { } v ? $", val. top-1 {v.Top1:P2}, top-5 {v.Top5:P2}" : string.Empty)}, lr {r.LearningRate:0.#####}{(r.OnCachedFeatures ? ", on cached features" : string.Empty)}");
}
