using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Zoo;

namespace ModelGallery.Tests.Pretrained;

/// <summary>The weights catalogue against torchvision 0.14's facts and the live models.</summary>
public sealed class ImageNetWeightsTests
{
    public static TheoryData<string> Entries => [.. All.Select(w => w.Name)];

    private static IEnumerable<ImageNetWeights> All => ModelZoo.All.SelectMany(info => info.ImageNetWeights);

    [Fact]
    public void The_torchvision_compatible_models_have_weights_and_names_are_unique()
    {
        All.Select(w => w.Model).Distinct().Should().BeEquivalentTo("alexnet-torchvision", "vgg16", "googlenet-torchvision", "resnet18", "resnet50");
        All.Select(w => w.Name).Should().OnlyHaveUniqueItems();
        foreach (var info in ModelZoo.All.Where(i => i.ImageNetWeights.Count > 0))
        {
            info.ImageNetWeights.Should().OnlyContain(w => w.Model == info.Name);
            info.ImageNetWeights.Count(w => w.IsDefault).Should().Be(1, "'imagenet1k' must name one file for {0}", info.Name);
            info.ImageNetWeights[0].IsDefault.Should().BeTrue("the default is listed first");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void An_entry_fits_its_live_model(string name)
    {
        var weights = All.Single(w => w.Name == name);
        weights.Url.Host.Should().Be("download.pytorch.org");
        weights.Sha256Prefix.Should().MatchRegex("^[0-9a-f]{8}$");
        weights.FileName.Should().EndWith($"-{weights.Sha256Prefix}.pth");
        weights.Preset.CropSize.Should().Be(224);
        weights.Top5.Should().BeGreaterThan(weights.Top1);

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
}
