namespace ModelGallery.Layers;

/// <summary>A 2-D pooling window: square kernel, stride, zero padding and the output-size rounding.</summary>
/// <param name="Kernel">Side of the square window.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Implicit padding on every side.</param>
/// <param name="CeilMode">Round the output size up instead of down (Caffe's convention, used by GoogLeNet).</param>
public sealed record PoolSpec(int Kernel, int Stride, int Padding = 0, bool CeilMode = false);
