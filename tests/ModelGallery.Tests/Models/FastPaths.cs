using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>
/// Runs a registered model plainly and with a fast path switched on, with the same input-sensitive weights and the
/// same images — non-square where the model accepts other sizes, so that a height and a width swapped show.
/// </summary>
internal static class FastPaths
{
    /// <param name="name">A registry name.</param>
    /// <param name="enable">Switches the fast path on and returns the model (for chaining).</param>
    /// <param name="relativeTolerance">How far the fast logits may be from the plain ones, relative to the logit scale.</param>
    /// <param name="check">Gets the plain model and the fast one, after the logits have been compared.</param>
    /// <param name="ofMovement">
    /// For a lossy fast path: the tolerance is instead this fraction of how far another image moves the plain logits,
    /// so the fast result must stay far closer to the right image's logits than a wrong image's are.
    /// </param>
    /// <param name="adjust">Changes the input-sensitive weights before both models get them (for instance randomises batch-norm affine parameters).</param>
    public static void Compare(string name, Func<GalleryModel, GalleryModel> enable, double relativeTolerance, Action<GalleryModel, GalleryModel> check, double? ofMovement = null, Action<GalleryModel>? adjust = null)
    {
        using var plain = SensitiveModels.Create(name);
        adjust?.Invoke(plain);
        using var fast = ModelGallery.Zoo.ModelZoo.Create(name);
        fast.load_state_dict(plain.state_dict());
        enable(fast).Should().BeSameAs(fast);
        fast.eval();
        using var scope = NewDisposeScope();
        var (height, width) = NonSquare(plain.Input);
        using var generator = new Generator(42);
        var images = randn([2, plain.Input.Channels, height, width], generator: generator);
        var others = randn([2, plain.Input.Channels, height, width], generator: generator);
        var (scale, moved) = SensitiveModels.Measure(plain, images, others, minimumMovement: ofMovement is null ? 100 * relativeTolerance : relativeTolerance);
        double allowed = ofMovement is { } fraction ? fraction * moved : relativeTolerance;

        using var inference = inference_mode();
        var expected = plain.call(images);
        var actual = fast.call(images);

        actual.dtype.Should().Be(ScalarType.Float32);
        double difference = (actual - expected).abs().max().item<float>() / scale;
        difference.Should().BeLessThan(allowed, "{0} at {1}×{2}: the fast path must compute what the plain one does (another image moves the logits by {3:E2})", name, height, width, moved);
        check(plain, fast);
    }

    /// <summary>A size the model accepts that is not square where it accepts other sizes: the table's height, a wider width.</summary>
    public static (int Height, int Width) NonSquare(InputShape input) =>
        input.MinSize is null ? (input.Height, input.Width) : (input.Height, input.Width + 32);
}
