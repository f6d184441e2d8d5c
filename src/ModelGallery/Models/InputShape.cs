using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>The shape of one input image a model accepts: channels × height × width.</summary>
/// <param name="Channels">Number of input channels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
public sealed record InputShape(int Channels, int Height, int Width)
{
    /// <summary>The shape as the README writes it for a batch: <c>N×C×H×W</c>.</summary>
    public override string ToString() => $"N×{Channels}×{Height}×{Width}";

    /// <summary>Throws an <see cref="ArgumentException"/> naming the model, this shape and the received one if <paramref name="input"/> does not fit.</summary>
    internal void Validate(string model, Tensor input, string paramName)
    {
        long[] shape = input.shape;
        string problem =
            shape.Length != 4 ? $"a tensor of rank {shape.Length} instead of 4"
            : shape[0] == 0 ? "an empty batch"
            : shape[1] != Channels ? $"{shape[1]} channels instead of {Channels}"
            : shape[2] != Height || shape[3] != Width ? $"{shape[2]}×{shape[3]} pixels instead of {Height}×{Width}"
            : string.Empty;
        if (problem.Length > 0)
        {
            throw new ArgumentException(
                $"{model} expects input of shape {this} (batch × channels × height × width) but received [{string.Join(", ", shape)}]: {problem}.",
                paramName);
        }
    }
}
