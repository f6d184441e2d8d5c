using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// Builds a flat <see cref="Sequential"/> (state_dict keys <c>features.0</c>, <c>features.1</c>, … as in
/// torchvision) while recording which of its items make up each README row.
/// </summary>
internal sealed class SequentialStages(string name, List<ModelStage> stages)
{
    private readonly List<nn.Module<Tensor, Tensor>> items = [];

    /// <summary>Appends the modules of one README row.</summary>
    public SequentialStages Row(string rowName, params nn.Module<Tensor, Tensor>[] modules)
    {
        stages.Add(new ModelStage(rowName, [.. modules.Select((_, i) => $"{name}.{items.Count + i}")]));
        items.AddRange(modules);
        return this;
    }

    public Sequential Build() => nn.Sequential([.. items]);
}
