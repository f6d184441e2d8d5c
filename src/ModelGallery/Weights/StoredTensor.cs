using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// One tensor of a weights file as its header or pickle describes it (dtype and shape), not yet read: names and shapes
/// are compared with the model first, and only the tensors that will be loaded are ever materialised.
/// </summary>
internal sealed class StoredTensor(ScalarType dtype, long[] shape, Func<Tensor> read)
{
    /// <summary>The element type.</summary>
    public ScalarType DType { get; } = dtype;

    /// <summary>The shape.</summary>
    public long[] Shape { get; } = shape;

    /// <summary>A new contiguous tensor with the stored values, which the caller owns.</summary>
    /// <exception cref="WeightsFileException">Its data is not what the file's description says.</exception>
    public Tensor Read() => read();

    /// <summary>The dtype and shape for messages, as <c>Float32 [6, 3, 5, 5]</c>.</summary>
    public string Describe() => $"{DType} [{string.Join(", ", Shape)}]";
}
