namespace ModelGallery.Models;

/// <summary>One VGG stage: <paramref name="Convs"/> 3×3 convolutions (padding 1, ReLU) with <paramref name="Filters"/> filters, then a 2×2 max-pool.</summary>
/// <param name="Convs">Number of convolutions in the stage.</param>
/// <param name="Filters">Filters of each convolution.</param>
internal sealed record VggStage(int Convs, int Filters);
