using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace ModelGallery.Cli;

/// <summary>Parse errors in a user's words: the closest known option for a misspelt one, and value types without .NET names.</summary>
internal static partial class OptionSuggestions
{
    /// <summary>
    /// "Did you mean …?" for every argument that looks like an option (starts with '-') but is none of the command's:
    /// the known option (the command's own, and recursive ones of its parents) with the smallest edit distance, when
    /// that distance is at most a third of the name (at least 2). Null when there is nothing to suggest.
    /// </summary>
    public static string? For(ParseResult parse, IEnumerable<string> args)
    {
        var known = Known(parse.CommandResult).ToList();
        var hints = new List<string>();
        foreach (string arg in args.Where(a => a.Length > 1 && a[0] == '-' && !double.TryParse(a, System.Globalization.CultureInfo.InvariantCulture, out _)).Distinct())
        {
            string name = arg.Split('=', ':')[0];
            if (known.Contains(name))
            {
                continue;
            }

            var best = known.Where(k => k.StartsWith("--", StringComparison.Ordinal)).Select(k => (Name: k, Distance: Distance(name, k))).OrderBy(c => c.Distance).FirstOrDefault();
            if (best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3))
            {
                hints.Add($"Unknown option '{name}': did you mean '{best.Name}'?");
            }
        }

        return hints.Count == 0 ? null : string.Join(" ", hints);
    }

    /// <summary>
    /// System.CommandLine's "Cannot parse argument 'abc' for option '--lr' as expected type 'System.Nullable`1[System.Double]'."
    /// as "--lr expects a number; received 'abc'."; any other message as it is.
    /// </summary>
    public static string Readable(string message)
    {
        var match = CannotParse().Match(message);
        if (!match.Success)
        {
            return message;
        }

        string type = match.Groups["type"].Value;
        string expected = type switch
        {
            _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Single", StringComparison.Ordinal) => "a number (such as 0.01)",
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ => "a value of another kind",
        };
        return $"{match.Groups["option"].Value} expects {expected}; received '{match.Groups["value"].Value}'.";
    }

    /// <summary>The names and aliases a command line may use at <paramref name="command"/>.</summary>
    private static IEnumerable<string> Known(CommandResult command)
    {
        yield return "--help";
        yield return "-h";
        yield return "-?";
        yield return "--version";
        bool leaf = true;
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: var current })
            {
                foreach (var option in current.Options.Where(o => leaf || o.Recursive))
                {
                    yield return option.Name;
                    foreach (string alias in option.Aliases)
                    {
                        yield return alias;
                    }
                }

                leaf = false;
            }
        }
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }

    [GeneratedRegex(@"Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'\.")]
    private static partial Regex CannotParse();
}
