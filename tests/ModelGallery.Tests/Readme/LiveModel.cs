using ModelGallery.Layers;
using ModelGallery.Inspection;
using ModelGallery.Zoo;
using System.Collections.Concurrent;
using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Readme;

/// <summary>One README row's stage as observed on the live model: its leaf modules and its output shape.</summary>
internal sealed record LiveStage(ModelStage Stage, IReadOnlyList<nn.Module> Roots, IReadOnlyList<nn.Module> Leaves, long[] Output);

/// <summary>
/// A default-constructed gallery model, run once on a batch of <see cref="Batch"/> with a forward hook on the
/// last module of every stage. Built once per model and shared by the README tests.
/// </summary>
internal sealed class LiveModel
{
    public const int Batch = 2;

    private static readonly ConcurrentDictionary<string, Lazy<LiveModel>> Cache = new();

    private LiveModel(GalleryModel model)
    {
        Model = model;
        model.eval();
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var outputs = new long[model.Stages.Count][];
        var hooks = model.Stages.Select((stage, index) =>
            ((nn.Module<Tensor, Tensor>)modules[stage.Modules[^1]]).register_forward_hook((_, _, output) =>
            {
                outputs[index] = output.shape;
                return output;
            })).ToList();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(rand(Batch, model.Input.Channels, model.Input.Height, model.Input.Width));
        }
        finally
        {
            hooks.ForEach(hook => hook.remove());
        }

        Stages = [.. model.Stages.Select((stage, index) => new LiveStage(
            stage,
            [.. stage.Modules.Select(path => modules[path])],
            [.. modules.Where(m => stage.Modules.Any(path => m.Key == path || m.Key.StartsWith(path + ".", StringComparison.Ordinal)))
                .Select(m => m.Value)
                .Where(module => !module.children().Any())],
            outputs[index] ?? throw new InvalidOperationException($"The hook of stage {stage.Name} never fired.")))];
    }

    public GalleryModel Model { get; }

    public IReadOnlyList<LiveStage> Stages { get; }

    public static LiveModel Of(string name) =>
        Cache.GetOrAdd(name, key => new Lazy<LiveModel>(() => new LiveModel(ModelZoo.Create(key)))).Value;
}
