using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Onnx;

/// <summary>
/// The direct children of a model in the order its forward pass calls them, found by running it once: what runs in
/// eval-mode inference, in the order it runs, whatever the order of registration (auxiliary heads that only train are
/// never called, so they are not exported).
/// </summary>
internal static class CallOrder
{
    /// <summary>
    /// Runs <paramref name="model"/> in eval mode on zeros of <paramref name="sample"/> and lists the children it called.
    /// The caller holds the model's lease, exclusive if the model is in training mode (it is switched and restored).
    /// </summary>
    public static IReadOnlyList<(string Name, nn.Module Module)> Of(GalleryModel model, long[] sample)
    {
        bool wasTraining = model.training;
        var called = new List<(string, nn.Module)>();
        var removers = new List<Action>();
        try
        {
            foreach (var (name, child) in model.named_children())
            {
                if (child is nn.Module<Tensor, Tensor> hookable)
                {
                    removers.Add(hookable.register_forward_hook((module, _, output) =>
                    {
                        called.Add((name, module));
                        return output;
                    }).remove);
                }
            }

            if (wasTraining)
            {
                model.eval();
            }

            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            model.call(zeros(sample, dtype: model.BFloat16 ? ScalarType.Float32 : model.parameters().First().dtype));
        }
        finally
        {
            removers.ForEach(remove => remove());
            if (wasTraining)
            {
                model.train();
            }
        }

        return called;
    }
}
