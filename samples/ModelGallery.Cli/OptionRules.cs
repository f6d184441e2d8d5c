using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ModelGallery.Cli;

/// <summary>
/// Range rules for options, checked at parse time (exit code 1). A value that does not parse at all is left to
/// System.CommandLine's own message: the rules only look at values that parsed.
/// </summary>
internal static class OptionRules
{
    /// <summary>Refuses whole numbers below <paramref name="min"/> or above <paramref name="max"/>.</summary>
    public static T InRange<T>(this T option, long min, long max = long.MaxValue)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            foreach (string token in Tokens(result))
            {
                if (long.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && (value < min || value > max))
                {
                    result.AddError(max == long.MaxValue
                        ? $"{option.Name} must be at least {min}; received {value}."
                        : $"{option.Name} must lie in {min} to {max}; received {value}.");
                }
            }
        });
        return option;
    }

    /// <summary>Refuses numbers that are not finite or not above 0 (NaN, ∞, 0, negatives).</summary>
    public static T Positive<T>(this T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            foreach (string token in Tokens(result))
            {
                if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && !(double.IsFinite(value) && value > 0))
                {
                    result.AddError($"{option.Name} must be a finite number above 0; received {token}.");
                }
            }
        });
        return option;
    }

    /// <summary>Refuses paths of files that do not exist.</summary>
    public static T ExistingFiles<T>(this T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            foreach (string path in Tokens(result).Where(path => !File.Exists(path)))
            {
                result.AddError(Directory.Exists(path) ? $"{option.Name}: '{path}' is a directory, not a file." : $"{option.Name}: no file at '{path}'.");
            }
        });
        return option;
    }

    /// <summary>Refuses an empty or blank path (<c>--output ""</c>).</summary>
    public static T NotEmpty<T>(this T option)
        where T : Option
    {
        option.Validators.Add(result =>
        {
            if (Tokens(result).Any(string.IsNullOrWhiteSpace))
            {
                result.AddError($"{option.Name} needs a path; received an empty one.");
            }
        });
        return option;
    }

    private static IEnumerable<string> Tokens(OptionResult result) => result.Tokens.Select(token => token.Value);
}
