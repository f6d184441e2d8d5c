namespace ModelGallery.Inspection;

/// <summary>The window of a convolution or pooling layer.</summary>
/// <param name="Kernel">Kernel size, height then width.</param>
/// <param name="Stride">Stride, height then width.</param>
/// <param name="Padding">Padding, height then width.</param>
/// <param name="Filters">Output channels of a convolution; null for pooling.</param>
public sealed record LayerGeometry(IReadOnlyList<long> Kernel, IReadOnlyList<long> Stride, IReadOnlyList<long> Padding, long? Filters);
