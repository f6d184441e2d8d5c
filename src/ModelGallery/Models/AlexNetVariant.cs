using ModelGallery.Modeling;

namespace ModelGallery.Models;

/// <summary>Which AlexNet to build.</summary>
public enum AlexNetVariant
{
    /// <summary>The paper's single tower: 96/256/384/384/256 filters, LRN after the first two convolutions, 227×227 input.</summary>
    Paper,

    /// <summary>
    /// torchvision's <c>alexnet</c>, the one its pretrained weights are for: 64/192/384/256/256 filters, no LRN,
    /// conv1 padding 2, and an adaptive 6×6 average pool, so 224×224 and other sizes from 63×63 up are accepted.
    /// </summary>
    Torchvision,
}
