using ModelGallery.Modeling;

namespace ModelGallery.Models;

/// <summary>Which GoogLeNet to build.</summary>
public enum GoogLeNetVariant
{
    /// <summary>The paper's Table 1: plain convolutions, 5×5 branches, two LRN layers, 3×3 max-pools, 7×7 average pool, dropout 0.4.</summary>
    Paper,

    /// <summary>
    /// torchvision's <c>googlenet</c>, the one its pretrained weights are for: convolutions with batch norm
    /// (ε 0.001, no bias), 3×3 convolutions in the "5×5" branches, no LRN, a 2×2 last max-pool, adaptive average
    /// pooling (so sizes from 15×15 up are accepted) and dropout 0.2.
    /// </summary>
    Torchvision,
}
