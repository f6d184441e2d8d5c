namespace ModelGallery.Models;

/// <summary>One of a model's top guesses for one image.</summary>
/// <param name="ClassIndex">The class, 0-based.</param>
/// <param name="Label">The class's name, where the caller gave names; otherwise null.</param>
/// <param name="Probability">Softmax probability of the class, in [0, 1].</param>
public sealed record Prediction(int ClassIndex, string? Label, float Probability);
