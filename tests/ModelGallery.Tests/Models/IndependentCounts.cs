using ModelGallery.Zoo;

namespace ModelGallery.Tests.Models;

/// <summary>
/// Parameter counts of every registered model at its defaults, from sources independent of the code: hand counts
/// from the layer formulas, or torchvision's published count at 1000 classes with the classifier resized. The
/// registry measures its counts from the models; these hold the measurements to something that could disagree.
/// (MACs are derived independently from the README tables, see <c>ReadmeMacs</c>.)
/// </summary>
internal static class IndependentCounts
{
    private static readonly Dictionary<string, (long Parameters, string Source)> Known = new()
    {
        ["lenet5"] = ((3 * 6 * 25) + 6 + (6 * 16 * 25) + 16 + (400 * 120) + 120 + (120 * 84) + 84 + (84 * 10) + 10, "hand count: conv1, conv2, fc1, fc2, fc3"),
        ["alexnet"] = (58_289_538, "hand count of the paper's single tower (foundation issue)"),
        ["vgg16"] = (Resized(138_357_544, features: 4096, classes: 2), "torchvision vgg16: 138,357,544 at 1000 classes"),
        ["googlenet"] = (5_975_602, "hand count of Table 1 with the paper's 5×5 branch and biases (foundation issue)"),
        ["alexnet-torchvision"] = (Resized(61_100_840, features: 4096, classes: 2), "torchvision alexnet: 61,100,840 at 1000 classes"),
        ["googlenet-torchvision"] = (Resized(6_624_904, features: 1024, classes: 2), "torchvision googlenet: 6,624,904 at 1000 classes"),
        ["resnet18"] = (Resized(11_689_512, features: 512, classes: 2), "torchvision resnet18: 11,689,512 at 1000 classes"),
        ["resnet50"] = (Resized(25_557_032, features: 2048, classes: 2), "torchvision resnet50: 25,557,032 at 1000 classes"),
    };

    /// <summary>Every registered model's name, for theories that must cover the whole registry.</summary>
    public static TheoryData<string> Names => [.. ModelZoo.Names];

    /// <summary>The independent parameter count of a registered model at its defaults; fails for a model without one.</summary>
    public static long Parameters(string model) =>
        Known.TryGetValue(model, out var count)
            ? count.Parameters
            : throw new InvalidOperationException($"'{model}' is registered but has no independent parameter count in {nameof(IndependentCounts)}; add one with its source.");

    /// <summary>A published count with its final layer resized from 1000 classes to <paramref name="classes"/>.</summary>
    public static long Resized(long at1000, long features, int classes) => at1000 - ((features + 1) * 1000) + ((features + 1) * classes);
}
