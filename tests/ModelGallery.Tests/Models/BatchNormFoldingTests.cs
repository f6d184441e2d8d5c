using ModelGallery.Layers;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>
/// <c>FoldBatchNorm</c> computes what the convolutions and batch norms compute, in every layout, and never with stale
/// weights: batch norms carry random running statistics and affine parameters, so a missing γ, β, μ or σ² shows.
/// </summary>
[Collection(nameof(LargeModels))]
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
        double difference = (Logits(model, images) - Logits(other, images)).abs().max().item<float>() / scale;
        difference.Should().BeLessThan(1e-5, "the model computes with the weights it loaded, not with the folded snapshot of the old ones");
    }

    [Theory]
    [InlineData("resnet18")]
    [InlineData("googlenet-torchvision")]
    public void A_folded_model_computes_with_its_snapshot_until_it_is_folded_again(string name)
    {
        // The documented contract (GalleryModel.FoldBatchNorm): statistics edited in place behind the model's back are
        // not seen until it folds again. It also proves the folded path runs at all: the equality test above would
        // pass on a model that ignored its fold.
        using var model = Sensitive(name, seed: 1);
        using var scope = NewDisposeScope();
        var images = randn([2, 3, 160, 224], generator: new Generator(5));
        model.FoldBatchNorm();
        var before = Logits(model, images);

        using (no_grad())
        {
            foreach (var norm in model.modules().OfType<BatchNorm2d>())
            {
                norm.running_mean!.add_(0.5);
            }
        }

        (Logits(model, images) - before).abs().max().item<float>().Should().Be(0, "eval mode computes with the folded snapshot");
        model.FoldBatchNorm();
        double change = (Logits(model, images) - before).abs().max().item<float>() / before.abs().max().item<float>();
        change.Should().BeGreaterThan(1e-3, "folding again takes the shifted means in");
        model.train();
        Folded(model).Should().BeEmpty("an unfolded block lists no snapshot");
    }

    [Fact]
    public void Folding_again_and_unfolding_dispose_the_snapshots()
    {
        using var model = Sensitive("resnet18", seed: 1);
        int norms = model.modules().OfType<BatchNorm2d>().Count();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        model.FoldBatchNorm();
        (DisposeScopeManager.Statistics.ThreadTotalLiveCount - before).Should().Be(2 * norms, "a folded weight and bias per batch norm");
        model.FoldBatchNorm();
        (DisposeScopeManager.Statistics.ThreadTotalLiveCount - before).Should().Be(2 * norms, "folding again disposes the old snapshot");
        model.train();
        (DisposeScopeManager.Statistics.ThreadTotalLiveCount - before).Should().Be(0, "dropping the fold disposes it");
        Folded(model).Should().BeEmpty();
    }

    [Fact]
    public void A_convolution_that_is_not_zero_padded_is_refused_by_name()
    {
        using var conv = nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect);
        using var norm = nn.BatchNorm2d(4);

        FluentActions.Invoking(() => new FoldedConv(conv, norm)).Should().Throw<NotSupportedException>()
            .WithMessage("*zero-padded, non-transposed convolutions*");
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

    private static Tensor Logits(GalleryModel model, Tensor images)
    {
        using var inference = inference_mode();
        return model.call(images);
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

            // Variances a thousand times smaller, γ scaled to match: the same function with ε a thousand times larger
            // in effect (1e-2 for the ResNets' 1e-5), so a fold that drops ε is off by far more than the tolerance.
            norm.running_var!.mul_(1e-3);
            norm.weight!.mul_(Math.Sqrt(1e-3));
        }
    }

    private static List<FoldedConv> Folded(GalleryModel model) =>
        [.. new object[] { model }.Concat(model.modules()).OfType<IFoldsBatchNorm>().Distinct().SelectMany(block => block.Folded)];
}
