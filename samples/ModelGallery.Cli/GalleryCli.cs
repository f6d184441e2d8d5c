using ModelGallery.Modeling;
using ModelGallery.Models;
using System.CommandLine;
using System.Globalization;
using ModelGallery.Inspection;
using ModelGallery.Zoo;
using Spectre.Console;

namespace ModelGallery.Cli;

/// <summary>
/// The commands of the gallery CLI. Exit codes: 0 success, 1 invalid arguments (unknown model, bad option;
/// the message says which), 2 a failure while running a model.
/// </summary>
internal static class GalleryCli
{
    /// <summary>Shows the full exception of a failure (type, inner exceptions and stack) after its one-line message.</summary>
    private static readonly Option<bool> Verbose = new("--verbose") { Description = "On a failure, show the full exception after the message.", Recursive = true };

    /// <summary>
    /// Runs a command line. Parse errors are System.CommandLine's messages (exit 1); a failure while running is one
    /// line on <paramref name="error"/>, exit 1 for a <see cref="UsageException"/>, 130 for a cancellation (Ctrl+C) and 2
    /// for anything else; never a stack trace unless <c>--verbose</c> asks for one.
    /// </summary>
    public static int Run(string[] args, IAnsiConsole console, TextWriter error)
    {
        var root = new RootCommand("ModelGallery: the classic CNNs as typed TorchSharp modules.")
        {
            ListCommand(console),
            SummaryCommand(console),
            TrainCommand.Create(console),
            EvaluateCommand.Create(console),
            PredictCommand.Create(console),
            WeightsCommand.Create(console),
            ExportCommand.Create(console),
            FiguresCommand(console),
            DoctorCommand.Create(console),
        };
        root.Options.Add(Verbose);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // One line, System.CommandLine's own messages, and where to read more: not the whole help text.
            // A misspelt option gets the closest known one; a value of the wrong type names the type in words.
            string suggestion = OptionSuggestions.For(parse, args) is { } hint ? $" {hint}" : string.Empty;
            error.WriteLine($"error: {string.Join("; ", parse.Errors.Select(e => OptionSuggestions.Readable(OneLine(e.Message))))}{suggestion} (see --help)");
            return 1;
        }

        try
        {
            // Ctrl+C cancels the action's token; training then finishes its step and saves a checkpoint, which may take
            // a while on a big model: the process is not killed for two minutes.
            return parse.InvokeAsync(new InvocationConfiguration
            {
                Output = console.Profile.Out.Writer,
                Error = error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromMinutes(2),
            }).GetAwaiter().GetResult(); // InvokeAsync: only it hands Ctrl+C to the actions' tokens
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: 130 (128 + SIGINT), as train's stop after a checkpoint; a download keeps its partial file.
            error.WriteLine("Cancelled (a download's partial file is kept; the next run resumes it).");
            return 130;
        }
        catch (Exception e)
        {
            // One line: the message's first line, then up to three of the items it lists (a load's problems).
            string[] lines = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            bool verbose = parse.GetValue(Verbose);
            string items = string.Join("; ", lines.Skip(1).Take(3).Select(line => line.TrimStart('-', ' ')));
            string more = lines.Length > 4 ? $"; and {lines.Length - 4} more{(verbose ? string.Empty : " (--verbose shows all)")}" : string.Empty;
            error.WriteLine($"error: {(lines.Length > 0 ? lines[0] : e.GetType().Name)}{(items.Length > 0 ? " " + items : string.Empty)}{more}");
            if (verbose)
            {
                error.WriteLine(e.ToString());
            }

            return e is UsageException ? 1 : 2;
        }
    }

    private static Command FiguresCommand(IAnsiConsole console)
    {
        var output = new Option<string>("--output") { Description = "The folder to write the SVG files to.", DefaultValueFactory = _ => "figures" }.NotEmpty();
        var figures = new Command("figures", "Draw the README's architecture figures (SVG) from the live models.") { output };
        figures.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            foreach (var (file, svg) in ArchitectureFigures.All())
            {
                File.WriteAllText(Path.Combine(folder, file), svg);
                console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"wrote {Path.Combine(folder, file)}");
            }

            return 0;
        });
        return figures;
    }

    private static Command ListCommand(IAnsiConsole console)
    {
        var list = new Command("list", "List the registered models with their papers, inputs, sizes and costs.");
        list.SetAction(_ =>
        {
            var table = new Table().Title("ModelGallery models")
                .AddColumn("Name").AddColumn("Model").AddColumn("Paper").AddColumn("Year")
                .AddColumn("Input").AddColumn(new TableColumn("Classes").RightAligned())
                .AddColumn(new TableColumn("Parameters").RightAligned()).AddColumn(new TableColumn("GMACs").RightAligned());
            foreach (var info in ModelZoo.All)
            {
                table.AddRow(
                    info.Name,
                    Markup.Escape(info.DisplayName),
                    Markup.Escape(info.Paper.Title),
                    info.Paper.Year.ToString(CultureInfo.InvariantCulture),
                    $"{info.Input.Channels}×{info.Input.Height}×{info.Input.Width}",
                    info.DefaultClasses.ToString(CultureInfo.InvariantCulture),
                    info.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                    (info.Macs / 1e9).ToString("0.###", CultureInfo.InvariantCulture));
            }

            console.Write(table);
            return 0;
        });
        return list;
    }

    private static Command SummaryCommand(IAnsiConsole console)
    {
        var model = ModelArgument();
        var depth = new Option<string>("--depth") { Description = "rows: the README table's rows; leaves: every leaf module.", DefaultValueFactory = _ => "rows" }.AcceptOnlyFromAmong("rows", "leaves");
        var batch = new Option<int>("--batch") { Description = "Images in the traced batch (MACs and activation sizes grow with it).", DefaultValueFactory = _ => 1 }.InRange(1);
        var classes = ClassesOption();
        var format = new Option<OutputFormat>("--format") { Description = "table, markdown or json.", DefaultValueFactory = _ => OutputFormat.Table };

        var summary = new Command("summary", "Run a model once and print its per-layer summary: shapes, parameters and MACs.") { model, depth, batch, classes, format };
        summary.SetAction(parse =>
        {
            using var live = ModelZoo.Create(parse.GetValue(model)!, new ModelOptions { NumClasses = parse.GetValue(classes) });
            var result = ModelSummary.Create(live, parse.GetValue(batch), leaves: parse.GetValue(depth) == "leaves");
            switch (parse.GetValue(format))
            {
                case OutputFormat.Markdown:
                    console.Profile.Out.Writer.Write(result.ToMarkdown());
                    break;
                case OutputFormat.Json:
                    console.Profile.Out.Writer.WriteLine(result.ToJson());
                    break;
                default:
                    console.Write(SummaryTable(result));
                    WriteTotals(console, result);
                    break;
            }

            return 0;
        });
        return summary;
    }

    /// <summary>A message on one line: System.CommandLine lists allowed values on lines of their own.</summary>
    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The registry name a command works on, checked against the registry.</summary>
    internal static Argument<string> ModelArgument()
    {
        var model = new Argument<string>("model") { Description = $"The model: {string.Join(", ", ModelZoo.Names)} (case-insensitive)." };
        model.Validators.Add(result =>
        {
            string? name = result.GetValueOrDefault<string>();
            if (!ModelZoo.TryGet(name ?? string.Empty, out _))
            {
                result.AddError($"Unknown model '{name}'. Known models: {string.Join(", ", ModelZoo.Names)}.");
            }
        });
        return model;
    }

    /// <summary><c>--classes</c>: the class count, at least 1; the model's own when absent.</summary>
    internal static Option<int?> ClassesOption() =>
        new Option<int?>("--classes") { Description = "Number of classes (default: the model's own)." }.InRange(1);

    private static void WriteTotals(IAnsiConsole console, ModelSummary summary)
    {
        var grid = new Grid().AddColumn().AddColumn(new GridColumn().RightAligned());
        grid.AddRow("Total parameters", N(summary.TotalParameters));
        grid.AddRow("Trainable parameters", N(summary.TrainableParameters));
        grid.AddRow("Frozen parameters", N(summary.FrozenParameters));
        grid.AddRow("Total MACs", $"{N(summary.TotalMacs)} ({summary.TotalMacs / 1e9:0.###} G)");
        grid.AddRow("Input size (MB)", $"{summary.InputSizeMB:0.00}");
        grid.AddRow("Parameter size (MB)", $"{summary.ParameterSizeMB:0.00}");
        grid.AddRow("Forward activations (MB)", $"{summary.ActivationSizeMB:0.00}");
        grid.AddRow("Estimated total (MB)", $"{summary.EstimatedTotalMB:0.00}");
        console.Write(grid);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static Table SummaryTable(ModelSummary summary)
    {
        var table = new Table().Title(Markup.Escape($"{summary.ModelName} — input {string.Join("×", summary.InputShape)}"))
            .AddColumn("Row").AddColumn("Kind").AddColumn("Output")
            .AddColumn(new TableColumn("Params").RightAligned()).AddColumn(new TableColumn("MACs").RightAligned())
            .AddColumn("Kernel/Stride/Pad").AddColumn(new TableColumn("Filters").RightAligned()).AddColumn("Activation");
        foreach (var row in summary.Rows)
        {
            table.AddRow(
                Markup.Escape(row.Name),
                Markup.Escape(row.Kind),
                string.Join("×", row.OutputShape),
                N(row.Parameters),
                N(row.Macs),
                row.Kernel is null ? "-" : $"{row.Kernel[0]}/{row.Stride![0]}/{(row.Padding!.Count > 0 ? row.Padding[0] : 0)}",
                row.Filters is { } f ? N(f) : "-",
                row.Activation);
        }

        return table;
    }
}
