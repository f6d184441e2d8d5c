namespace ModelGallery.Inspection;

/// <summary>The window of a convolution or pooling layer.</summary>
internal sealed class LayerGeometry
{
    internal LayerGeometry(IReadOnlyList<long> kernel, IReadOnlyList<long> stride, IReadOnlyList<long> padding, long? filters)
    {
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
        Filters = filters;
    }

    /// <summary>Kernel size, height then width.</summary>
    public IReadOnlyList<long> Kernel { get; }

    /// <summary>Stride, height then width.</summary>
    public IReadOnlyList<long> Stride { get; }

    /// <summary>Padding, height then width.</summary>
    public IReadOnlyList<long> Padding { get; }

    /// <summary>Output channels of a convolution; null for pooling.</summary>
    public long? Filters { get; }
}
