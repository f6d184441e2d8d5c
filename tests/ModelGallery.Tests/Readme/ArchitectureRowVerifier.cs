using System.Globalization;
using System.Text.RegularExpressions;
using ModelGallery.Inspection;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Readme;

/// <summary>
/// Holds a README architecture table to a <see cref="LiveModel"/>, row by row and cell by cell, and returns every
/// disagreement. A <c>-</c> cell means the row's layer has no such property; any other cell must equal the live
/// module's hyper-parameter.
/// </summary>
internal static partial class ArchitectureRowVerifier
{
    private static readonly string[] InceptionColumns = ["#1x1", "#3x3 reduce", "#3x3", "#5x5 reduce", "#5x5", "pool proj"];

    private const string Branch3x3Header = "#5x5 (3x3 kernel)";

    // Paths, inside an InceptionBlock, of the convolutions behind the six filter columns, in column order.
    private static readonly string[] InceptionConvolutions = ["branch1.conv", "branch2.0.conv", "branch2.1.conv", "branch3.0.conv", "branch3.1.conv", "branch4.1.conv"];

    public static List<string> Verify(MarkdownTable table, LiveModel live)
    {
        var problems = new List<string>();
        List<Row> rows = [.. Rows(table, problems)];
        if (rows.Count == 0 || rows[0].Layer != "Input")
        {
            problems.Add("The first row must be the Input row.");
            return problems;
        }

        VerifyInput(rows[0], live, problems);
        int stages = live.Stages.Count;
        if (rows.Count - 1 != stages)
        {
            problems.Add($"The table has {rows.Count - 1} rows after Input; the model has {stages} stages ({string.Join(", ", live.Stages.Select(s => s.Stage.Name))}).");
        }

        for (int i = 1; i < rows.Count && i - 1 < stages; i++)
        {
            var rowProblems = new List<string>();
            VerifyRow(rows[i], live.Stages[i - 1], isLast: i - 1 == stages - 1, live, rowProblems);
            problems.AddRange(rowProblems.Select(p => $"Row {i} ({rows[i].Layer}, stage {live.Stages[i - 1].Stage.Name}): {p}"));
        }

        return problems;
    }

    private static void VerifyInput(Row row, LiveModel live, List<string> problems)
    {
        var input = live.Model.Input;
        foreach (var (column, cell) in row.Hyperparameters)
        {
            ExpectDash(cell, $"Input row, {column}", problems);
        }

        ExpectDash(row.Activation, "Input row, Activation Function", problems);
        ExpectShape(row.Output, [input.Channels, input.Height, input.Width], "Input row, Output Size", problems);
    }

    private static void VerifyRow(Row row, LiveStage stage, bool isLast, LiveModel live, List<string> problems)
    {
        var leaves = stage.Leaves;
        var activations = leaves.Select(ReadmeVocabulary.ActivationName).OfType<string>().Distinct().ToList();
        var layers = leaves.Where(leaf => ReadmeVocabulary.ActivationName(leaf) is null).ToList();

        if (ConvolutionName().Match(row.Layer) is { Success: true } convMatch)
        {
            bool batchNorm = convMatch.Groups[1].Success;
            var norms = layers.OfType<BatchNorm2d>().ToList();
            if (batchNorm)
            {
                double eps = ParseDouble(convMatch.Groups[2].Value);
                if (norms is not [var norm] || Math.Abs(norm.eps - eps) > 1e-12)
                {
                    problems.Add($"Layer says batch norm with ε {eps}; the stage has {string.Join(", ", norms.Select(n => $"BatchNorm2d(ε {n.eps})"))}.");
                }
            }
            else if (norms.Count > 0)
            {
                problems.Add("The stage has batch norm; the Layer cell must say '+ BatchNorm (ε …)'.");
            }

            var conv = Single<Conv2d>([.. layers.Where(l => l is not BatchNorm2d)], problems);
            if (conv is not null)
            {
                if ((conv.bias is null) != batchNorm)
                {
                    problems.Add(batchNorm ? "A convolution before batch norm has no bias; this one has." : "The convolution has no bias.");
                }

                ExpectSquare(row.Kernel, conv.kernel_size, "Kernel Size", problems);
                ExpectNumber(row.Filters, conv.out_channels, "Number of Filter", problems);
                ExpectSquareNumber(row.Stride, conv.stride, "Stride", problems);
                ExpectSquareNumber(row.Padding, conv.padding ?? [], "Padding", problems);
                ExpectCeil(row, false, problems);
            }
        }
        else if (row.Layer == "AdaptiveAvgPool")
        {
            Single<AdaptiveAvgPool2d>(layers, problems);
            ExpectNoHyperparameters(row, problems);
        }
        else if (MaxPoolName().IsMatch(row.Layer) || row.Layer == "AvgPool")
        {
            bool max = row.Layer != "AvgPool";
            var pool = max ? (nn.Module?)Single<MaxPool2d>(layers, problems) : Single<AvgPool2d>(layers, problems);
            var (kernel, strides, padding, ceil) = pool switch
            {
                MaxPool2d m => (m.kernel_size, m.stride, m.padding, m.ceil_mode),
                AvgPool2d a => (a.kernel_size, a.stride, a.padding, a.ceil_mode),
                _ => (null, null, null, false),
            };
            if (kernel is not null)
            {
                ExpectSquare(row.Kernel, kernel, "Kernel Size", problems);
                ExpectDash(row.Filters, "Number of Filter", problems);
                ExpectSquareNumber(row.Stride, strides ?? [], "Stride", problems);
                ExpectSquareNumber(row.Padding, padding ?? [], "Padding", problems);
                ExpectCeil(row, ceil, problems);
            }
        }
        else if (LrnName().Match(row.Layer) is { Success: true } lrnMatch)
        {
            var lrn = Single<FastLocalResponseNorm>(layers, problems);
            if (lrn is not null)
            {
                var spec = new LrnSpec(int.Parse(lrnMatch.Groups[1].Value, CultureInfo.InvariantCulture), ParseDouble(lrnMatch.Groups[2].Value), ParseDouble(lrnMatch.Groups[3].Value), ParseDouble(lrnMatch.Groups[4].Value));
                if (spec != lrn.Spec)
                {
                    problems.Add($"Layer says {spec}; the model has {lrn.Spec}.");
                }
            }

            ExpectNoHyperparameters(row, problems);
        }
        else if (DropoutName().Match(row.Layer) is { Success: true } dropoutMatch)
        {
            var dropout = Single<Dropout>(layers, problems);
            double percent = double.Parse(dropoutMatch.Groups[1].Value, CultureInfo.InvariantCulture);
            if (dropout is not null && Math.Abs(dropout.p * 100 - percent) > 1e-9)
            {
                problems.Add($"Layer says dropout {percent}%; the model has p = {dropout.p}.");
            }

            ExpectNoHyperparameters(row, problems);
        }
        else if (row.Layer == "Fully Connected")
        {
            var linear = Single<Linear>(layers, problems);
            if (linear is not null)
            {
                var units = UnitsCell().Match(row.Kernel);
                if (!units.Success)
                {
                    problems.Add($"Kernel Size of a fully connected row must give the number of units, as '4096' or '2 (classes)'; found '{row.Kernel}'.");
                }
                else
                {
                    ExpectNumber(units.Groups[1].Value, linear.out_features, "Kernel Size (units)", problems);
                    if (units.Groups[2].Success && linear.out_features != live.Model.NumClasses)
                    {
                        problems.Add($"Kernel Size marks the class count, but the model's classes are {live.Model.NumClasses}.");
                    }
                }

                ExpectDash(row.Filters, "Number of Filter", problems);
                ExpectDash(row.Stride, "Stride", problems);
                ExpectDash(row.Padding, "Padding", problems);
                ExpectCeil(row, false, problems);
            }
        }
        else if (InceptionName().Match(row.Layer) is { Success: true } inceptionMatch)
        {
            if (stage.Stage.Name != $"inception{inceptionMatch.Groups[1].Value}")
            {
                problems.Add($"Layer names Inception ({inceptionMatch.Groups[1].Value}) but the stage is {stage.Stage.Name}.");
            }

            if (stage.Roots is not [InceptionBlock block])
            {
                problems.Add("The stage is not a single InceptionBlock.");
            }
            else if (row.Inception is null)
            {
                problems.Add("An Inception row needs the six filter columns.");
            }
            else
            {
                var convs = block.named_modules().ToDictionary(m => m.name, m => m.module);
                for (int i = 0; i < InceptionColumns.Length; i++)
                {
                    ExpectNumber(row.Inception[i], ((Conv2d)convs[InceptionConvolutions[i]]).out_channels, InceptionColumns[i], problems);
                }

                long kernel = ((Conv2d)convs[InceptionConvolutions[4]]).kernel_size[0];
                if (kernel != row.Branch3Kernel)
                {
                    problems.Add($"The table's #5x5 column describes a {row.Branch3Kernel}x{row.Branch3Kernel} convolution; the block's is {kernel}x{kernel}.");
                }
            }

            ExpectDash(row.Kernel, "Kernel Size", problems);
            ExpectDash(row.Filters, "Number of Filter", problems);
            ExpectDash(row.Stride, "Stride", problems);
            ExpectDash(row.Padding, "Padding", problems);
            ExpectCeil(row, false, problems);
        }
        else if (ResidualStageName().Match(row.Layer) is { Success: true } residualMatch)
        {
            VerifyResidualStage(row, residualMatch, stage, problems);
        }
        else
        {
            problems.Add($"Unknown layer '{row.Layer}'.");
        }

        if (row.Inception is not null && !InceptionName().IsMatch(row.Layer))
        {
            for (int i = 0; i < InceptionColumns.Length; i++)
            {
                ExpectDash(row.Inception[i], InceptionColumns[i], problems);
            }
        }

        VerifyActivation(row.Activation, activations, isLast, problems);
        if (stage.Output.Length == 0 || stage.Output[0] != LiveModel.Batch)
        {
            problems.Add($"The stage's output [{string.Join(", ", stage.Output)}] does not keep the batch of {LiveModel.Batch}.");
        }
        else
        {
            ExpectShape(row.Output, stage.Output[1..], "Output Size", problems);
        }
    }

    /// <summary>
    /// A row of residual blocks, as Table 1 of the ResNet paper gives a stage: the block count and type in the Layer
    /// cell, and the main path's kernels, filters and paddings as lists, the stride of the stage's first block.
    /// </summary>
    private static void VerifyResidualStage(Row row, Match match, LiveStage stage, List<string> problems)
    {
        if (stage.Stage.Name != match.Groups[1].Value)
        {
            problems.Add($"Layer names {match.Groups[1].Value} but the stage is {stage.Stage.Name}.");
        }

        var blocks = stage.Roots is [Sequential sequential] ? sequential.children().OfType<ResidualBlock>().ToList() : [];
        int count = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        if (blocks.Count != count || blocks.Any(block => block.GetType().Name != match.Groups[3].Value))
        {
            problems.Add($"Layer says {count} × {match.Groups[3].Value}; the stage has {string.Join(", ", blocks.Select(b => b.GetType().Name))}.");
            return;
        }

        foreach (var (block, index) in blocks.Select((block, index) => (block, index)))
        {
            var convs = block.MainPath.Select(step => step.Conv).ToList();
            string Joined(Func<Conv2d, string> cell) => string.Join(", ", convs.Select(cell));
            Expect(row.Kernel, Joined(conv => $"{conv.kernel_size[0]} x {conv.kernel_size[1]}"), $"Kernel Size (block {index + 1})", problems);
            Expect(row.Filters, Joined(conv => conv.out_channels.ToString(CultureInfo.InvariantCulture)), $"Number of Filter (block {index + 1})", problems);
            Expect(row.Padding, Joined(conv => conv.padding![0].ToString(CultureInfo.InvariantCulture)), $"Padding (block {index + 1})", problems);
            long stride = convs.Max(conv => conv.stride[0]);
            Expect(index == 0 ? row.Stride : "1", stride.ToString(CultureInfo.InvariantCulture), $"Stride (block {index + 1})", problems);
        }

        ExpectCeil(row, false, problems);
    }

    private static void Expect(string cell, string live, string column, List<string> problems)
    {
        if (cell != live)
        {
            problems.Add($"{column} says '{cell}'; the model has '{live}'.");
        }
    }

    private static void VerifyActivation(string cell, List<string> actual, bool isLast, List<string> problems)
    {
        string live = actual.Count == 0 ? "-" : string.Join(", ", actual);
        if (cell == "softmax")
        {
            // The last row's softmax is the network's output distribution, applied by the loss or by prediction code:
            // forward returns logits, so the live stage has no activation.
            if (!isLast || actual.Count > 0)
            {
                problems.Add($"Activation Function 'softmax' belongs to the last row only, over logits; this row's stage has activation '{live}'.");
            }
        }
        else if (isLast)
        {
            problems.Add($"Activation Function of the last row must be 'softmax' (forward returns logits); found '{cell}'.");
        }
        else if (cell != live)
        {
            problems.Add($"Activation Function says '{cell}'; the stage applies '{live}'.");
        }
    }

    private static T? Single<T>(List<nn.Module> layers, List<string> problems)
        where T : nn.Module
    {
        if (layers is [T single])
        {
            return single;
        }

        problems.Add($"Expected exactly one {typeof(T).Name} (besides activations); the stage has {string.Join(", ", layers.Select(l => l.GetType().Name))}.");
        return null;
    }

    private static void ExpectNoHyperparameters(Row row, List<string> problems)
    {
        foreach (var (column, cell) in row.Hyperparameters)
        {
            ExpectDash(cell, column, problems);
        }

        ExpectCeil(row, false, problems);
    }

    private static void ExpectCeil(Row row, bool actual, List<string> problems)
    {
        if (row.Ceil != actual)
        {
            problems.Add(actual ? "The pool rounds up; the cell must say (ceil)." : "The cell says (ceil), but the layer does not round up.");
        }
    }

    private static void ExpectDash(string cell, string column, List<string> problems)
    {
        if (cell != "-")
        {
            problems.Add($"{column} must be '-' for this row; found '{cell}'.");
        }
    }

    private static void ExpectNumber(string cell, long actual, string column, List<string> problems)
    {
        if (!long.TryParse(cell, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value != actual)
        {
            problems.Add($"{column} says '{cell}'; the model has {actual}.");
        }
    }

    private static void ExpectSquareNumber(string cell, long[] actual, string column, List<string> problems)
    {
        if (actual.Distinct().Count() != 1)
        {
            problems.Add($"{column}: the model's value [{string.Join(", ", actual)}] is not the same in both directions.");
            return;
        }

        ExpectNumber(cell, actual[0], column, problems);
    }

    private static void ExpectSquare(string cell, long[] actual, string column, List<string> problems)
    {
        var match = SquareCell().Match(cell);
        if (!match.Success || match.Groups[1].Value != match.Groups[2].Value || actual.Length != 2 ||
            long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) != actual[0] || actual[0] != actual[1])
        {
            problems.Add($"{column} says '{cell}'; the model has {string.Join(" x ", actual)}.");
        }
    }

    /// <summary>Compares "H x W x C" (or a single length "L") with the model's C×H×W (or L).</summary>
    private static void ExpectShape(string cell, long[] actual, string column, List<string> problems)
    {
        long[]? expected = cell.Split(" x ") switch
        {
            [var h, var w, var c] when TryLong(h, out var hh) && TryLong(w, out var ww) && TryLong(c, out var cc) => [cc, hh, ww],
            [var length] when TryLong(length, out var l) => [l],
            _ => null,
        };
        if (expected is null || !expected.SequenceEqual(actual))
        {
            problems.Add($"{column} says '{cell}'; the model gives {ReadmeVocabulary.SampleShape(actual)}.");
        }
    }

    private static bool TryLong(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static double ParseDouble(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static IEnumerable<Row> Rows(MarkdownTable table, List<string> problems)
    {
        bool combined = table.Header.Contains("Kernel Size / Stride / Padding");
        int layer = table.Column("Layer");
        int activation = table.Column("Activation Function");
        int output = table.Column("Output Size");
        int filters = table.Column("Number of Filter");
        // torchvision's "5x5" branch is 3x3: its table says so in the column header.
        int branch3Kernel = table.Header.Contains(Branch3x3Header) ? 3 : 5;
        int[]? inception = table.Header.Contains(InceptionColumns[0])
            ? [.. InceptionColumns.Select(name => table.Column(name == "#5x5" && branch3Kernel == 3 ? Branch3x3Header : name))]
            : null;
        foreach (var cells in table.Rows)
        {
            if (cells.Count != table.Header.Count)
            {
                problems.Add($"Row '{string.Join(" | ", cells)}' has {cells.Count} cells; the header has {table.Header.Count}.");
                continue;
            }

            string kernel, stride, padding;
            if (combined)
            {
                (kernel, stride, padding) = cells[table.Column("Kernel Size / Stride / Padding")].Split(" / ") switch
                {
                    [var k, var s, var p] => (k, s, p),
                    [var only] => (only, "-", "-"),
                    var parts => (string.Join(" / ", parts), "?", "?"),
                };
            }
            else
            {
                (kernel, stride, padding) = (cells[table.Column("Kernel Size")], cells[table.Column("Stride")], cells[table.Column("Padding")]);
            }

            bool ceil = padding.EndsWith(" (ceil)", StringComparison.Ordinal);
            yield return new Row(
                cells[layer],
                kernel,
                cells[filters],
                stride,
                ceil ? padding[..^" (ceil)".Length] : padding,
                ceil,
                cells[activation],
                cells[output],
                inception is null ? null : [.. inception.Select(i => cells[i])],
                branch3Kernel);
        }
    }

    [GeneratedRegex(@"^Convolution( \+ BatchNorm \(ε ([0-9.e-]+)\))?$")]
    private static partial Regex ConvolutionName();

    [GeneratedRegex(@"^Max ?[Pp]ool(ing)?$")]
    private static partial Regex MaxPoolName();

    [GeneratedRegex(@"^LocalResponseNorm \(size (\d+), α ([0-9.e-]+), β ([0-9.]+), k ([0-9.]+)\)$")]
    private static partial Regex LrnName();

    [GeneratedRegex(@"^Dropout \((\d+)%\)$")]
    private static partial Regex DropoutName();

    [GeneratedRegex(@"^Inception \((\w+)\)$")]
    private static partial Regex InceptionName();

    [GeneratedRegex(@"^(conv\d_x): (\d+) × (\w+)$")]
    private static partial Regex ResidualStageName();

    [GeneratedRegex(@"^(\d+)( \(classes\))?$")]
    private static partial Regex UnitsCell();

    [GeneratedRegex(@"^(\d+) x (\d+)$")]
    private static partial Regex SquareCell();

    private sealed record Row(string Layer, string Kernel, string Filters, string Stride, string Padding, bool Ceil, string Activation, string Output, IReadOnlyList<string>? Inception, int Branch3Kernel)
    {
        public IEnumerable<(string Column, string Cell)> Hyperparameters =>
            [("Kernel Size", Kernel), ("Number of Filter", Filters), ("Stride", Stride), ("Padding", Padding), .. (Inception ?? []).Select((cell, i) => (InceptionColumns[i], cell))];
    }
}
