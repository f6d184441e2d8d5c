namespace ModelGallery.Inspection;

/// <summary>One row of a <see cref="ModelSummary"/>: a README row (stage) or a single module, as one forward pass saw it.</summary>
public sealed class LayerSummary
{
    internal LayerSummary(string name, string path, string kind, IReadOnlyList<long> inputShape, IReadOnlyList<long> outputShape, long parameters, long trainableParameters, long macs, string activation, LayerGeometry? layer)
    {
        Name = name;
        Path = path;
        Kind = kind;
        InputShape = inputShape;
        OutputShape = outputShape;
        Parameters = parameters;
        TrainableParameters = trainableParameters;
        Macs = macs;
        Activation = activation;
        Geometry = layer;
    }

    /// <summary>The row's name: a stage name such as <c>conv1</c>, or a module's state_dict path.</summary>
    public string Name { get; }

    /// <summary>The state_dict paths of the row's modules, comma-separated.</summary>
    public string Path { get; }

    /// <summary>What the row computes: a module type (<c>Conv2d</c>, <c>InceptionBlock</c>) or leaf types joined by <c>+</c> (<c>Conv2d+ReLU</c>).</summary>
    public string Kind { get; }

    /// <summary>Shape of the row's input, batch first.</summary>
    public IReadOnlyList<long> InputShape { get; }

    /// <summary>Shape of the row's output, batch first.</summary>
    public IReadOnlyList<long> OutputShape { get; }

    /// <summary>Number of parameters in the row's modules.</summary>
    public long Parameters { get; }

    /// <summary>Those of <see cref="Parameters"/> that require gradients.</summary>
    public long TrainableParameters { get; }

    /// <summary>Multiply-accumulates of the row for the traced batch (see <see cref="ModelSummary"/> for the convention).</summary>
    public long Macs { get; }

    /// <summary>The activations the row applies (<c>ReLU</c>, <c>sigmoid</c>, …, comma-separated), or <c>-</c>.</summary>
    public string Activation { get; }

    /// <summary>Kernel size, height then width, where the row has exactly one convolution or pooling layer; else null.</summary>
    public IReadOnlyList<long>? Kernel => Geometry?.Kernel;

    /// <summary>Stride, height then width, where the row has exactly one convolution or pooling layer; else null.</summary>
    public IReadOnlyList<long>? Stride => Geometry?.Stride;

    /// <summary>Padding, height then width, where the row has exactly one convolution or pooling layer; else null.</summary>
    public IReadOnlyList<long>? Padding => Geometry?.Padding;

    /// <summary>Output channels, where the row has exactly one convolution; else null.</summary>
    public long? Filters => Geometry?.Filters;

    /// <summary>The row's one convolution or pooling window, if it has one.</summary>
    internal LayerGeometry? Geometry { get; }
}
