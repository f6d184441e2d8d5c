using ModelGallery.Models;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>Runs a registered model plainly and with a fast path switched on, with the same weights and images.</summary>
internal static class FastPaths
{
    /// <param name="name">A registry name.</param>
    /// <param name="enable">Switches the fast path on and returns the model (for chaining).</param>
    /// <param name="check">Gets the plain model, the fast one, and their logits (eval mode, inference mode) on one random batch of 2.</param>
    public static void Compare(string name, Func<GalleryModel, GalleryModel> enable, Action<GalleryModel, GalleryModel, Tensor, Tensor> check)
    {
        using var plain = ModelZoo.Create(name);
        using var fast = ModelZoo.Create(name);
        fast.load_state_dict(plain.state_dict());
        enable(fast).Should().BeSameAs(fast);
        plain.eval();
        fast.eval();
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var images = randn(2, plain.Input.Channels, plain.Input.Height, plain.Input.Width);

        check(plain, fast, plain.call(images), fast.call(images));
    }
}
