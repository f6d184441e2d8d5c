namespace ModelGallery.Layers;

/// <summary>
/// Local response normalisation across channels:
/// <c>b = a / (K + Alpha / Size · Σ a²)^Beta</c>, the sum running over <see cref="Size"/> neighbouring channels.
/// </summary>
/// <param name="Size">Number of neighbouring channels in the sum.</param>
/// <param name="Alpha">Scale of the sum of squares.</param>
/// <param name="Beta">Exponent.</param>
/// <param name="K">Additive constant.</param>
public sealed record LrnSpec(int Size, double Alpha, double Beta, double K);
