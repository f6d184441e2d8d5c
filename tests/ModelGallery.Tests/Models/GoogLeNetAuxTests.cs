using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

public sealed class GoogLeNetAuxTests
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];

    [Theory]
    [InlineData(GoogLeNetVariant.Paper, 2, 10_309_430)]          // 5,975,602 + aux1 2,165,890 + aux2 2,167,938
    [InlineData(GoogLeNetVariant.Torchvision, 1000, 13_004_888)] // torchvision's googlenet(aux_logits=True)
    [InlineData(GoogLeNetVariant.Torchvision, 1000, 6_624_904, false)]
    public void Parameter_counts_with_and_without_aux(GoogLeNetVariant variant, int classes, long expected, bool aux = true)
    {
        using var model = new GoogLeNet(numClasses: classes, variant: variant, auxClassifiers: aux);

        model.parameters().Sum(p => p.numel()).Should().Be(expected);
    }

    [Theory]
    [InlineData(GoogLeNetVariant.Paper)]
    [InlineData(GoogLeNetVariant.Torchvision)]
    public void Training_returns_the_aux_logits_and_eval_the_logits_alone(GoogLeNetVariant variant)
    {
        using var model = new GoogLeNet(numClasses: 3, variant: variant, auxClassifiers: true);
        using var scope = NewDisposeScope();
        var images = randn(2, 3, 224, 224);

        model.train();
        var training = model.ForwardWithAux(images);
        model.eval();
        var evaluation = model.ForwardWithAux(images);

        training.Logits.shape.Should().Equal(2, 3);
        training.Aux1!.shape.Should().Equal(2, 3);
        training.Aux2!.shape.Should().Equal(2, 3);
        evaluation.Aux1.Should().BeNull();
        evaluation.Aux2.Should().BeNull();
        model.call(images).shape.Should().Equal(2, 3);
    }

    [Fact]
    public void Without_aux_classifiers_training_returns_the_logits_alone()
    {
        using var model = new GoogLeNet();
        using var scope = NewDisposeScope();
        model.train();

        var outputs = model.ForwardWithAux(randn(1, 3, 224, 224));

        outputs.Aux1.Should().BeNull();
        model.HasAuxClassifiers.Should().BeFalse();
        model.ClassifierModules.Should().Equal("fc");
    }

    [Fact]
    public void Aux_classifiers_are_side_branches_not_rows()
    {
        using var model = new GoogLeNet(auxClassifiers: true);

        model.Stages.Select(s => s.Name).Should().NotContain(n => n.StartsWith("aux", StringComparison.Ordinal));
        model.ClassifierModules.Should().Equal("fc", "aux1.fc2", "aux2.fc2");
    }

    [Fact]
    public void Transform_input_needs_the_torchvision_variant_and_three_channels()
    {
        FluentActions.Invoking(() => new GoogLeNet(transformInput: true)).Should().Throw<ArgumentException>().WithMessage("*Torchvision variant*");
        FluentActions.Invoking(() => new GoogLeNet(inChannels: 1, variant: GoogLeNetVariant.Torchvision, transformInput: true)).Should().Throw<ArgumentException>().WithMessage("*3*channels*1*");
    }

    [Fact]
    public void Transform_input_renormalises_imagenet_statistics_to_one_half()
    {
        // torchvision's transform_input maps x to x·std/0.5 + (mean − 0.5)/0.5 per channel, so the image
        // (0.5 − mean)/std becomes exactly 0: the transformed model on it must give the plain model's logits on zeros.
        using var plain = SensitiveModels.Initialise(new GoogLeNet(variant: GoogLeNetVariant.Torchvision));
        using var transformed = new GoogLeNet(variant: GoogLeNetVariant.Torchvision, transformInput: true);
        transformed.load_state_dict(plain.state_dict());
        transformed.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double[] mapsToZero = [.. ImageNetMean.Zip(ImageNetStd, (mean, std) => (0.5 - mean) / std)];
        var image = tensor(mapsToZero, dtype: ScalarType.Float32).reshape(1, 3, 1, 1).expand(1, 3, 64, 80).contiguous();
        var zero = zeros(1, 3, 64, 80);
        double scale = SensitiveModels.Check(plain, zero, image, relativeTolerance: 1e-5);

        var difference = (transformed.call(image) - plain.call(zero)).abs().max().item<float>();

        (difference / scale).Should().BeLessThan(1e-5, "the transform maps this image to 0");
        ((transformed.call(zero) - plain.call(zero)).abs().max().item<float>() / scale).Should().BeGreaterThan(1e-3, "and other images elsewhere");
    }

    private static readonly double[] ImageNetStd = [0.229, 0.224, 0.225];
}
