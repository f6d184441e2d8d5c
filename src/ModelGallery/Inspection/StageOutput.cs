using ModelGallery.Models;

namespace ModelGallery.Inspection;

/// <summary>What one README row's stage produced in a traced forward pass.</summary>
/// <param name="Stage">The stage (row) of the model.</param>
/// <param name="OutputShape">Shape of the stage's output, batch first.</param>
/// <param name="Parameters">Number of parameters in the stage's modules.</param>
public sealed record StageOutput(ModelStage Stage, IReadOnlyList<long> OutputShape, long Parameters);
