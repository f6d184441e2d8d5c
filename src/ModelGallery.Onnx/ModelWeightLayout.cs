using ModelGallery.Layers;
using ModelGallery.Modeling;
using ModelGallery.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>One weighted module of a model: its state_dict keys in the order of <see cref="OnnxWeighted.Tensors"/> (null where it has none).</summary>
internal sealed record ModelWeighted(WeightedKind Kind, string Module, string?[] Keys, string Geometry);

/// <summary>
/// A model's weighted modules (Conv2d, BatchNorm2d, Linear) in the order <see cref="OnnxWeightGraph"/> reads an ONNX
/// graph: its children in the order its forward pass calls them, inside each in declaration order (the house style
/// declares fields in call order), and a residual block's main path before its shortcut.
/// </summary>
internal static class ModelWeightLayout
{
    /// <summary>The weighted modules of <paramref name="model"/>; the caller holds its lease.</summary>
    public static IReadOnlyList<ModelWeighted> Of(GalleryModel model)
    {
        var names = model.named_modules().Where(entry => entry.name.Length > 0)
            .ToDictionary(entry => (object)entry.module, entry => entry.name, ReferenceEqualityComparer.Instance);
        var found = new List<ModelWeighted>();
        void Walk(nn.Module module)
        {
            string name = names[module];
            string? Key(string tensor) => module.state_dict().ContainsKey(tensor) ? $"{name}.{tensor}" : null;
            switch (module)
            {
                case Conv2d conv:
                    found.Add(new(WeightedKind.Conv, name, [Key("weight"), Key("bias")], WeightedGeometry.Conv(conv.stride, conv.dilation, conv.groups)));
                    break;
                case BatchNorm2d norm:
                    found.Add(new(WeightedKind.BatchNorm, name, [Key("weight"), Key("bias"), Key("running_mean"), Key("running_var")], WeightedGeometry.BatchNorm((float)norm.eps)));
                    break;
                case Linear:
                    found.Add(new(WeightedKind.Linear, name, [Key("weight"), Key("bias")], string.Empty));
                    break;
                case ResidualBlock block:
                    foreach (var (conv, norm) in block.MainPath)
                    {
                        Walk(conv);
                        Walk(norm);
                    }

                    if (block.Shortcut is { } shortcut)
                    {
                        Walk(shortcut);
                    }

                    break;
                default:
                    foreach (var child in module.children())
                    {
                        Walk(child);
                    }

                    break;
            }
        }

        var input = model.Input;
        foreach (var (_, child) in CallOrder.Of(model, [1, input.Channels, input.Height, input.Width]))
        {
            Walk(child);
        }

        return found;
    }
}
