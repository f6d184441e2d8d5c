using ModelGallery.Training;
using ScottPlot;

namespace ModelGallery.Cli;

/// <summary>The training curve as a PNG: loss, and training and test accuracy, per epoch.</summary>
internal static class TrainingCurve
{
    public static void Save(IReadOnlyList<EpochResult> results, string path)
    {
        double[] epochs = [.. results.Select(r => (double)r.Epoch)];
        var plot = new Plot();
        var loss = plot.Add.Scatter(epochs, [.. results.Select(r => r.TrainLoss)]);
        loss.LegendText = "train loss";
        var trainAccuracy = plot.Add.Scatter(epochs, [.. results.Select(r => r.TrainAccuracy)]);
        trainAccuracy.LegendText = "train accuracy";
        var testAccuracy = plot.Add.Scatter(epochs, [.. results.Select(r => r.TestAccuracy ?? double.NaN)]);
        testAccuracy.LegendText = "test accuracy";
        plot.Title("LeNet-5 on Fashion-MNIST");
        plot.XLabel("epoch");
        plot.ShowLegend();
        plot.SavePng(path, 800, 500);
    }
}
