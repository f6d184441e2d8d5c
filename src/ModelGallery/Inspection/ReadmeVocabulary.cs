using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Inspection;

/// <summary>
/// The words and formats of the README's architecture tables, in one place: the summary writes them, and the tests
/// that hold the README to the models read them with the same rules.
/// </summary>
internal static class ReadmeVocabulary
{
    /// <summary>The Activation Function cell's name for an activation module, or null for any other module.</summary>
    public static string? ActivationName(nn.Module module) => module switch
    {
        ReLU => "ReLU",
        Sigmoid => "sigmoid",
        Tanh => "tanh",
        GELU => "GELU",
        Softmax => "softmax",
        _ => null,
    };

    /// <summary>An output shape as the Output Size cell writes it: <c>H x W x C</c> for a C×H×W sample, or the vector length.</summary>
    public static string SampleShape(IReadOnlyList<long> sample) => sample.Count switch
    {
        3 => $"{sample[1]} x {sample[2]} x {sample[0]}",
        0 => "-",
        _ => string.Join(" x ", sample),
    };

    /// <summary>A kernel or window size as the Kernel Size cell writes it: <c>3 x 3</c>.</summary>
    public static string Size(IReadOnlyList<long> size) => string.Join(" x ", size.Count == 1 ? [size[0], size[0]] : size);

    /// <summary>A stride or padding as the table writes it: one number when both directions agree.</summary>
    public static string Pair(IReadOnlyList<long> values) =>
        values.Count == 0 ? "0" : values.Distinct().Count() == 1 ? values[0].ToString(CultureInfo.InvariantCulture) : string.Join(",", values);
}
