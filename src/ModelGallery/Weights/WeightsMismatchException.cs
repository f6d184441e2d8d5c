namespace ModelGallery.Weights;

/// <summary>A strict load found keys that do not match; the model was left unchanged. <see cref="Report"/> lists every problem.</summary>
public sealed class WeightsMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception from the report of the failed load.</summary>
    /// <param name="path">The file that was read.</param>
    /// <param name="model">The model's name.</param>
    /// <param name="report">What matched and what did not.</param>
    internal WeightsMismatchException(string path, string model, LoadReport report)
        : base($"The weights in '{path}' do not fit {model}; nothing was loaded. {report.Problems.Count()} problem(s):{Environment.NewLine}" +
               string.Join(Environment.NewLine, report.Problems.Select(p => "  - " + p)))
    {
        Report = report;
    }

    /// <summary>What matched and what did not.</summary>
    public LoadReport Report { get; }
}
