using System.Text.Json.Serialization;

namespace ModelGallery.Native;

/// <summary>
/// One canary case: a convolution computed with oneDNN and with libtorch's reference path (oneDNN off: im2col + GEMM),
/// forward and backward, each error the largest absolute difference divided by the largest absolute value the
/// reference computed (the output's scale).
/// </summary>
/// <param name="Name">The shape family and size, e.g. <c>3x3/1 64→64 28²</c>.</param>
/// <param name="Batch">The images in the batch.</param>
/// <param name="ChannelsLast">Whether input, weight and output gradient were laid out channels-last (NHWC).</param>
/// <param name="ForwardError">The relative error of the output.</param>
/// <param name="InputGradientError">The relative error of the gradient with respect to the input.</param>
/// <param name="WeightGradientError">The relative error of the gradient with respect to the weight.</param>
/// <param name="Tolerance">The largest relative error accepted.</param>
internal sealed record OneDnnCaseResult(
    string Name, int Batch, bool ChannelsLast, double ForwardError, double InputGradientError, double WeightGradientError, double Tolerance)
{
    /// <summary>Whether all three errors are within <see cref="Tolerance"/> (a NaN error fails).</summary>
    [JsonIgnore]
    public bool Passed => ForwardError <= Tolerance && InputGradientError <= Tolerance && WeightGradientError <= Tolerance;

    /// <summary>The largest of the three errors (NaN if any is NaN).</summary>
    [JsonIgnore]
    public double MaxError => double.IsNaN(ForwardError + InputGradientError + WeightGradientError)
        ? double.NaN : Math.Max(ForwardError, Math.Max(InputGradientError, WeightGradientError));
}
