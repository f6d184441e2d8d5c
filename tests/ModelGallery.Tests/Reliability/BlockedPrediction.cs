using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

/// <summary>
/// A prediction on another thread, held inside the model (in its last layer) until disposed: while it exists, the
/// model is in use by one other thread.
/// </summary>
internal sealed class BlockedPrediction : IDisposable
{
    private readonly ManualResetEventSlim entered = new();
    private readonly ManualResetEventSlim release = new();
    private readonly Thread thread;
    private readonly Action removeHook;

    public BlockedPrediction(GalleryModel model, string lastLayer = "fc3")
    {
        var layer = (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == lastLayer).module;
        var hook = layer.register_forward_hook((_, _, output) =>
        {
            entered.Set();
            release.Wait();
            return output;
        });
        removeHook = hook.remove;
        thread = new Thread(() =>
        {
            using var scope = NewDisposeScope();
            model.Predict(zeros([1, model.Input.Channels, model.Input.Height, model.Input.Width]));
        });
        thread.Start();
        entered.Wait();
    }

    /// <summary>Lets the prediction finish and waits for it.</summary>
    public void Dispose()
    {
        release.Set();
        thread.Join();
        removeHook();
        entered.Dispose();
        release.Dispose();
    }
}
