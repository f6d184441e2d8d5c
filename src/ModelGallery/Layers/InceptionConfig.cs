namespace ModelGallery.Layers;

/// <summary>
/// The filter counts of one Inception module, in the order of the GoogLeNet paper's Table 1 (and of the README
/// columns and torchvision's arguments). Always construct it with named arguments.
/// </summary>
/// <param name="Ch1x1">Filters of the 1×1 branch.</param>
/// <param name="Ch3x3Reduce">Filters of the 1×1 reduction before the 3×3 convolution.</param>
/// <param name="Ch3x3">Filters of the 3×3 convolution.</param>
/// <param name="Ch5x5Reduce">Filters of the 1×1 reduction before the 5×5 convolution.</param>
/// <param name="Ch5x5">Filters of the 5×5 convolution.</param>
/// <param name="PoolProj">Filters of the 1×1 projection after the 3×3 max-pool.</param>
public sealed record InceptionConfig(int Ch1x1, int Ch3x3Reduce, int Ch3x3, int Ch5x5Reduce, int Ch5x5, int PoolProj)
{
    /// <summary>Channels of the module's output: the four branches concatenated.</summary>
    public int OutChannels => Ch1x1 + Ch3x3 + Ch5x5 + PoolProj;
}
