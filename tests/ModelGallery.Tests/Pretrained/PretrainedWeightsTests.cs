using ModelGallery.Data;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Tests.Pretrained;

/// <summary>The weights catalogue against torchvision 0.14's facts and the live models.</summary>
public sealed class PretrainedWeightsTests
{
    public static TheoryData<string> Entries => [.. ImageNetFiles.Select(w => w.Name)];

    private static IEnumerable<PretrainedWeights> All => ModelZoo.All.SelectMany(info => info.Weights);

    private static IEnumerable<PretrainedWeights> ImageNetFiles => All.Where(w => w.Url is not null);

    [Fact]
    public void The_torchvision_compatible_models_have_weights_and_names_are_unique()
    {
        ImageNetFiles.Select(w => w.Model).Distinct().Should().BeEquivalentTo("alexnet-torchvision", "vgg16", "googlenet-torchvision", "resnet18", "resnet50");
        All.Where(w => w.Url is null).Should().Equal([LeNet5.FashionMnist], "LeNet-5's are the only embedded weights");
        All.Select(w => w.Name).Should().OnlyHaveUniqueItems();
        foreach (var info in ModelZoo.All.Where(i => i.Weights.Count > 0))
        {
            info.Weights.Should().OnlyContain(w => w.Model == info.Name);
            info.Weights.Count(w => w.IsDefault).Should().Be(1, "'imagenet1k' must name one file for {0}", info.Name);
            info.Weights[0].IsDefault.Should().BeTrue("the default is listed first");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void An_entry_fits_its_live_model(string name)
    {
        var weights = ImageNetFiles.Single(w => w.Name == name);
        weights.Url!.Host.Should().Be("download.pytorch.org");
        weights.Sha256.Should().MatchRegex("^[0-9a-f]{8}$");
        weights.FileName.Should().EndWith($"-{weights.Sha256}.pth");
        weights.Preset.CropSize.Should().Be(224);
        weights.Preset.Mean.Should().Equal(0.485, 0.456, 0.406);
        weights.Categories.Should().BeSameAs(ImageNet.Categories);
        weights.Dataset.Should().Be("ImageNet-1K");
        weights.Top5.Should().BeGreaterThan(weights.Top1);
        long stored = StoredParameters(weights);
        weights.Bytes.Should().BeInRange(stored * 4, (stored * 4) + 1_000_000, "float32 parameters, then batch-norm buffers and the pickle's overhead");

        using var model = weights.CreateModel();
        model.NumClasses.Should().Be(1000);
        model.parameters().Sum(p => p.numel()).Should().Be(weights.Parameters, "torchvision lists {0} parameters for {1}", weights.Parameters, weights.TorchvisionName);
        model.training.Should().BeFalse();
        if (model is GoogLeNet googLeNet)
        {
            googLeNet.TransformInput.Should().BeTrue("torchvision builds googlenet with transform_input=True when it loads these weights");
        }
    }

    [Fact]
    public void The_categories_are_torchvisions_1000_in_index_order()
    {
        ImageNet.Categories.Should().HaveCount(1000);
        ImageNet.Categories[0].Should().Be("tench");
        ImageNet.Categories[281].Should().Be("tabby");
        ImageNet.Categories[285].Should().Be("Egyptian cat");
        ImageNet.Categories[999].Should().Be("toilet tissue");
    }

    /// <summary>Parameters the published file holds: GoogLeNet's also has the two auxiliary heads, which loading skips.</summary>
    private static long StoredParameters(PretrainedWeights weights)
    {
        if (weights.Model != "googlenet-torchvision")
        {
            return weights.Parameters;
        }

        using var withAux = new GoogLeNet(1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);
        return withAux.parameters().Sum(p => p.numel());
    }
}
