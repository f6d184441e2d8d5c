namespace ModelGallery.Layers;

/// <summary>
/// One row of a model's README architecture table: the submodules that compute it, in call order.
/// The row's output is the output of the last of them.
/// </summary>
/// <param name="Name">A short name for the row, such as <c>conv1</c>, <c>pool2</c> or <c>inception4a</c>.</param>
/// <param name="Modules">The state_dict paths of the submodules, such as <c>features.0</c> and <c>features.1</c>.</param>
public sealed record ModelStage(string Name, IReadOnlyList<string> Modules);
