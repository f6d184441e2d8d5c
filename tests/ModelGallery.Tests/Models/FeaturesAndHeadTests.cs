using ModelGallery.Modeling;
using ModelGallery.Tests.Readme;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>
/// <c>ForwardFeatures</c> and <c>ForwardHead</c>, the network's two halves: the features are what the final classifier
/// receives during an ordinary forward pass (captured there by a hook, independently of the features path), and the
/// head on them gives the forward pass's logits.
/// </summary>
[Collection(nameof(LargeModels))]
public sealed class FeaturesAndHeadTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void The_features_are_the_final_classifiers_input_and_the_head_on_them_gives_the_logits(string name)
    {
        using var model = ModelZoo.Create(name); // its own: the hook must see only this test's batch
        model.eval();
        using var scope = NewDisposeScope();
        var input = Input(model);
        Tensor? seen = null;
        var handle = model.Classifier.register_forward_pre_hook((_, x) =>
        {
            seen = x.detach().clone().DetachFromDisposeScope();
            return x;
        });
        Tensor logits;
        try
        {
            logits = model.call(input);
        }
        finally
        {
            handle.remove();
        }

        using var captured = seen!;
        var features = model.ForwardFeatures(input);
        var head = model.ForwardHead(features);

        features.shape.Should().Equal(input.shape[0], model.Classifier.in_features);
        TestTensors.Same(features, captured).Should().BeTrue("the features are what the classifier receives in forward");
        TestTensors.Same(head, logits).Should().BeTrue("the head on the features is the forward pass");
        TestTensors.Same(model.ForwardFeatures(Input(model, seed: 2)), features).Should().BeFalse("the features depend on the input");
    }

    [Fact]
    public void The_head_refuses_features_of_another_shape_or_dtype_naming_what_it_expects()
    {
        var model = LiveModel.Of("resnet18").Model;
        using var scope = NewDisposeScope();

        foreach (var wrong in new[] { zeros(2, 513), zeros(512), zeros(0, 512), zeros([2, 512], ScalarType.Float64) })
        {
            FluentActions.Invoking(() => model.ForwardHead(wrong)).Should().Throw<ArgumentException>()
                .WithMessage($"*ForwardHead expects N × 512 float32 features*received {wrong.dtype} [{string.Join(", ", wrong.shape)}]*");
        }

        var gone = zeros(2, 512);
        gone.Dispose();
        FluentActions.Invoking(() => model.ForwardHead(gone)).Should().Throw<ObjectDisposedException>();
    }

    /// <summary>A seeded batch of 2; non-square where the model takes other sizes than its own.</summary>
    private static Tensor Input(GalleryModel model, int seed = 1)
    {
        var shape = model.Input;
        int width = shape.MinSize is null ? shape.Width : shape.Width + 32;
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return randn([2, shape.Channels, shape.Height, width], generator: generator);
    }
}
