namespace ModelGallery.Layers;

/// <summary>A 2-D convolution as a README table row states it: square kernel, stride and zero padding.</summary>
/// <param name="Filters">Number of output channels (the table's "Number of Filter").</param>
/// <param name="Kernel">Side of the square kernel.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Zero padding on every side.</param>
public sealed record ConvSpec(int Filters, int Kernel, int Stride = 1, int Padding = 0);
