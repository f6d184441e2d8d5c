namespace ModelGallery.Weights;

/// <summary>A key whose tensor has another shape or dtype in the file than in the model.</summary>
/// <param name="Key">The state_dict key.</param>
/// <param name="Expected">The model's dtype and shape, such as <c>Float32 [64, 3, 7, 7]</c>.</param>
/// <param name="Found">The file's dtype and shape.</param>
public sealed record KeyMismatch(string Key, string Expected, string Found);
