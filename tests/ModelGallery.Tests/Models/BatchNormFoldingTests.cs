using ModelGallery.Layers;
using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>
/// <c>FoldBatchNorm</c> computes what the convolutions and batch norms compute, in every layout, and never with stale
/// weights: batch norms carry random running statistics and affine parameters, so a missing γ, β, μ or σ² shows.
/// </summary>
public sealed class BatchNormFoldingTests : TempFolder
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Folded_logits_equal_the_unfolded_ones(string name) =>
        FastPaths.Compare(name, model => model.FoldBatchNorm(), relativeTolerance: 1e-5, (plain, fast) =>
        {
            int norms = plain.modules().OfType<BatchNorm2d>().Count();
            fast.BatchNormFolded.Should().Be(norms > 0, "{0} has {1} batch norms", name, norms);
            Folded(fast).Should().HaveCount(norms, "every batch norm follows a convolution and is folded into it");
            fast.state_dict().Keys.Should().Equal(plain.state_dict().Keys, "folding keeps the weights as they are saved");
        }, adjust: RandomAffine);

    [Theory]
    [InlineData("resnet18")]
    [InlineData("googlenet-torchvision")]
    public void Channels_last_models_fold_into_channels_last_weights(string name)
    {
        // Layout only: the values are those of the NCHW comparison above (a convolution computes the same for either
        // layout of its weight, which ChannelsLastTests checks model by model).
        using var model = Sensitive(name, seed: 1);
        model.UseChannelsLast().FoldBatchNorm();

        model.ChannelsLast.Should().BeTrue();
        Folded(model).Should().HaveCount(model.modules().OfType<BatchNorm2d>().Count())
            .And.OnlyContain(f => f.Weight.stride(1) == 1 && f.Weight.stride(0) == f.Weight.shape[1] * f.Weight.shape[2] * f.Weight.shape[3], "a folded weight keeps the NHWC layout its convolution has");
    }

    [Fact]
    public void Loading_weights_after_folding_computes_with_the_new_weights()
    {
        using var model = Sensitive("resnet18", seed: 1);
        using var other = Sensitive("resnet18", seed: 2);
        string path = Path.Combine(Folder, "other.safetensors");
        other.SaveWeights(path);
        using var scope = NewDisposeScope();
        var images = randn([2, 3, 224, 256], generator: new Generator(5));
        double scale = SensitiveModels.Check(other, images, randn([2, 3, 224, 256], generator: new Generator(6)), 1e-5);

        model.FoldBatchNorm().BatchNormFolded.Should().BeTrue();
        model.LoadWeights(path);

        model.BatchNormFolded.Should().BeFalse("loading weights drops the folded snapshot");
        model.eval();
        using var inference = inference_mode();
        double difference = (model.call(images) - other.call(images)).abs().max().item<float>() / scale;
        difference.Should().BeLessThan(1e-5, "the model computes with the weights it loaded, not with the folded snapshot of the old ones");
    }

    [Fact]
    public void Training_mode_and_every_model_changing_operation_drop_the_fold()
    {
        using var model = Sensitive("resnet18", seed: 1);

        model.FoldBatchNorm();
        model.training.Should().BeFalse("folding is for eval mode");
        model.train();
        model.BatchNormFolded.Should().BeFalse();

        model.FoldBatchNorm().UseChannelsLast();
        model.BatchNormFolded.Should().BeFalse("new convolution weights make the snapshot stale");

        model.FoldBatchNorm().UseBFloat16();
        model.BatchNormFolded.Should().BeFalse("new dtypes make the snapshot stale");
    }

    [Fact]
    public void Summaries_and_features_keep_the_fold()
    {
        using var model = Sensitive("resnet18", seed: 1);
        model.FoldBatchNorm();
        using var scope = NewDisposeScope();

        model.ForwardFeatures(randn([1, 3, 64, 96]));
        ModelGallery.Inspection.ModelSummary.Create(model);

        model.BatchNormFolded.Should().BeTrue("reading the model under exclusion does not change its weights");
    }

    private static GalleryModel Sensitive(string name, long seed)
    {
        var model = SensitiveModels.Create(name, seed);
        RandomAffine(model);
        return model;
    }

    /// <summary>γ in [0.5, 1.5) and β ~ N(0, 0.1²) on every batch norm (their initial 1 and 0 would hide a fold that drops them).</summary>
    private static void RandomAffine(GalleryModel model)
    {
        using var generator = new Generator(7);
        using var noGrad = no_grad();
        foreach (var norm in model.modules().OfType<BatchNorm2d>())
        {
            norm.weight!.mul_(rand(norm.weight.shape, generator: generator) + 0.5);
            norm.bias!.copy_(randn(norm.bias.shape, generator: generator) * 0.1);
        }
    }

    private static List<FoldedConv> Folded(GalleryModel model) =>
        [.. new object[] { model }.Concat(model.modules()).OfType<IFoldsBatchNorm>().Distinct().SelectMany(block => block.Folded)];
}
