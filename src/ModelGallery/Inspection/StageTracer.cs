using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Inspection;

/// <summary>Runs a gallery model once and reports, row by row, the output shape and parameter count of each stage.</summary>
public static class StageTracer
{
    /// <summary>
    /// Runs <paramref name="model"/> on a zero batch of <paramref name="batch"/> images of its input shape, in eval
    /// mode and without gradients, with a forward hook on the last module of every stage. The model's training
    /// mode is restored and every hook removed afterwards, also when the forward pass throws.
    /// </summary>
    /// <param name="model">The model to trace.</param>
    /// <param name="batch">Number of images in the traced batch, at least 1.</param>
    /// <returns>One entry per stage, in the order of <see cref="GalleryModel.Stages"/>.</returns>
    public static IReadOnlyList<StageOutput> Trace(GalleryModel model, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var shapes = new long[model.Stages.Count][];
        var hooks = model.Stages.Select((stage, index) =>
            ((nn.Module<Tensor, Tensor>)modules[stage.Modules[^1]]).register_forward_hook((_, _, output) =>
            {
                shapes[index] = output.shape;
                return output;
            })).ToList();
        bool training = model.training;
        try
        {
            model.eval();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.call(zeros(batch, model.Input.Channels, model.Input.Height, model.Input.Width));
        }
        finally
        {
            hooks.ForEach(hook => hook.remove());
            model.train(training);
        }

        return [.. model.Stages.Select((stage, index) => new StageOutput(
            stage,
            shapes[index],
            stage.Modules.Sum(path => modules[path].parameters().Sum(p => p.numel()))))];
    }
}
