namespace ModelGallery.Inspection;

/// <summary>One row of a <see cref="ModelSummary"/>: a README row (stage) or a single module, as one forward pass saw it.</summary>
/// <param name="Name">The row's name: a stage name such as <c>conv1</c>, or a module's state_dict path.</param>
/// <param name="Path">The state_dict paths of the row's modules, comma-separated.</param>
/// <param name="Kind">What the row computes: a module type (<c>Conv2d</c>, <c>InceptionBlock</c>) or leaf types joined by <c>+</c> (<c>Conv2d+ReLU</c>).</param>
/// <param name="InputShape">Shape of the row's input, batch first.</param>
/// <param name="OutputShape">Shape of the row's output, batch first.</param>
/// <param name="Parameters">Number of parameters in the row's modules.</param>
/// <param name="TrainableParameters">Those of <paramref name="Parameters"/> that require gradients.</param>
/// <param name="Macs">Multiply-accumulates of the row for the traced batch (see <see cref="ModelSummary"/> for the convention).</param>
/// <param name="Activation">The activations the row applies (<c>ReLU</c>, <c>sigmoid</c>, …, comma-separated), or <c>-</c>.</param>
/// <param name="Layer">Kernel, stride, padding and filters, where the row has exactly one convolution or pooling layer.</param>
public sealed record LayerSummary(
    string Name,
    string Path,
    string Kind,
    IReadOnlyList<long> InputShape,
    IReadOnlyList<long> OutputShape,
    long Parameters,
    long TrainableParameters,
    long Macs,
    string Activation,
    LayerGeometry? Layer);
