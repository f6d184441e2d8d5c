using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// The input images a model accepts: channels × height × width. A model with adaptive pooling also accepts other
/// sizes from <see cref="MinSize"/> up; <see cref="Height"/> × <see cref="Width"/> is then the size its README
/// table describes.
/// </summary>
/// <param name="Channels">Number of input channels.</param>
/// <param name="Height">Image height in pixels (the table's size).</param>
/// <param name="Width">Image width in pixels (the table's size).</param>
/// <param name="MinSize">The smallest height and width accepted; null when only <see cref="Height"/> × <see cref="Width"/> is.</param>
public sealed record InputShape(int Channels, int Height, int Width, int? MinSize = null)
{
    /// <summary>The shape as the README writes it for a batch: <c>N×C×H×W</c>, with the minimum where other sizes are accepted.</summary>
    public override string ToString() =>
        MinSize is { } min ? $"N×{Channels}×H×W with H, W ≥ {min} (table: {Height}×{Width})" : $"N×{Channels}×{Height}×{Width}";

    /// <summary>Throws an <see cref="ArgumentException"/> naming the model, this shape and the received one if <paramref name="input"/> does not fit.</summary>
    /// <remarks>
    /// This runs on every forward, so it reads the rank and four sizes (a native call each, tens of nanoseconds) and
    /// reads <c>input.shape</c>, an array marshalled from native code (over a microsecond), only to word an error.
    /// </remarks>
    internal void Validate(string model, Tensor input, string paramName)
    {
        if (input.dim() != 4 || !Fits(input.size(0), input.size(1), input.size(2), input.size(3)))
        {
            Validate(model, input.shape, paramName);
        }
    }

    /// <summary>Whether an N×C×H×W batch of these sizes fits: the negation of every problem <see cref="Validate(string, long[], string)"/> names.</summary>
    private bool Fits(long n, long c, long h, long w) =>
        n > 0 && c == Channels && (MinSize is { } min ? h >= min && w >= min : h == Height && w == Width);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the model, this shape and <paramref name="shape"/> if it does not fit.</summary>
    internal void Validate(string model, long[] shape, string paramName)
    {
        string problem =
            shape.Length != 4 ? $"a tensor of rank {shape.Length} instead of 4"
            : shape[0] == 0 ? "an empty batch"
            : shape[1] != Channels ? $"{shape[1]} channels instead of {Channels}"
            : MinSize is { } min ? (shape[2] < min || shape[3] < min ? $"{shape[2]}×{shape[3]} pixels, below the minimum of {min}×{min}" : string.Empty)
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
