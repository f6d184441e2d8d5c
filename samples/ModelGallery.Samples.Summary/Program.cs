// Prints each gallery model's README rows, computed by running the model once: output shape and parameters.
using System.CommandLine;
using System.Globalization;
using ModelGallery.Inspection;
using ModelGallery.Models;
using Spectre.Console;

var models = new Dictionary<string, Func<GalleryModel>>(StringComparer.OrdinalIgnoreCase)
{
    ["lenet5"] = () => new LeNet5(),
    ["alexnet"] = () => new AlexNet(),
    ["vgg16"] = () => new Vgg16(),
    ["googlenet"] = () => new GoogLeNet(),
};

var names = new Argument<string[]>("models")
{
    Arity = ArgumentArity.ZeroOrMore,
    Description = $"Models to summarise ({string.Join(", ", models.Keys)}); all of them when none is named.",
};
var root = new RootCommand("Runs each ModelGallery model once and prints its README rows with output shape and parameter count.") { names };
root.SetAction(parse =>
{
    string[] chosen = parse.GetValue(names) is { Length: > 0 } given ? given : [.. models.Keys];
    string[] unknown = [.. chosen.Where(name => !models.ContainsKey(name))];
    if (unknown.Length > 0)
    {
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]Unknown model '{string.Join("', '", unknown)}'.[/] Known models: {string.Join(", ", models.Keys)}.");
        return 2;
    }

    foreach (string name in chosen)
    {
        using GalleryModel model = models[name]();
        var table = new Table().Title($"{model.GetName()} — input {model.Input}, {model.NumClasses} classes")
            .AddColumn("Row").AddColumn("Modules").AddColumn("Output shape").AddColumn(new TableColumn("Parameters").RightAligned());
        foreach (StageOutput row in StageTracer.Trace(model))
        {
            table.AddRow(
                Markup.Escape(row.Stage.Name),
                Markup.Escape(string.Join(", ", row.Stage.Modules)),
                string.Join(" × ", row.OutputShape),
                row.Parameters.ToString("N0", CultureInfo.InvariantCulture));
        }

        long total = model.parameters().Sum(p => p.numel());
        table.Caption($"{total.ToString("N0", CultureInfo.InvariantCulture)} parameters");
        AnsiConsole.Write(table);
    }

    return 0;
});

return root.Parse(args).Invoke();
