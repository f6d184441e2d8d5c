using ModelGallery.Training;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace ModelGallery.Cli;

/// <summary>
/// The training curve as a PNG: the loss on the left axis, training and test accuracy on the right axis, whole
/// epochs along the bottom.
/// </summary>
internal static class TrainingCurve
{
    public static void Save(IReadOnlyList<EpochResult> results, string path) => Create(results).SavePng(path, 800, 500);

    internal static Plot Create(IReadOnlyList<EpochResult> results)
    {
        double[] epochs = [.. results.Select(r => (double)r.Epoch)];
        var plot = new Plot();
        var loss = plot.Add.Scatter(epochs, [.. results.Select(r => r.TrainLoss)]);
        loss.LegendText = "train loss (left)";
        loss.Axes.YAxis = plot.Axes.Left;
        var trainAccuracy = plot.Add.Scatter(epochs, [.. results.Select(r => r.TrainAccuracy)]);
        trainAccuracy.LegendText = "train accuracy (right)";
        trainAccuracy.Axes.YAxis = plot.Axes.Right;
        var testAccuracy = plot.Add.Scatter(epochs, [.. results.Select(r => r.Validation?.Top1 ?? double.NaN)]);
        testAccuracy.LegendText = "test accuracy (right)";
        testAccuracy.Axes.YAxis = plot.Axes.Right;
        plot.Title("LeNet-5 on Fashion-MNIST");
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Axes.Left.Label.Text = "cross-entropy loss";
        plot.Axes.Right.Label.Text = "accuracy";
        plot.Axes.Bottom.TickGenerator = Ticks(results.Count);
        plot.ShowLegend();
        return plot;
    }

    /// <summary>Where the epoch ticks go: every whole epoch up to 10, then about ten evenly spaced whole epochs.</summary>
    internal static int[] EpochTicks(int epochs)
    {
        int step = Math.Max(1, (int)Math.Ceiling(epochs / 10.0));
        return [.. Enumerable.Range(0, ((Math.Max(1, epochs) - 1) / step) + 1).Select(i => 1 + (i * step))];
    }

    private static NumericManual Ticks(int epochs)
    {
        var ticks = new NumericManual();
        foreach (int epoch in EpochTicks(epochs))
        {
            ticks.AddMajor(epoch, epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return ticks;
    }
}
