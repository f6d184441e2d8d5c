using ModelGallery.Inspection;
using ModelGallery.Zoo;

namespace ModelGallery.Tests.Zoo;

public sealed class ModelZooTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Metadata_matches_the_live_model(string name)
    {
        var info = ModelZoo.Get(name);
        using var model = info.Create();

        model.parameters().Sum(p => p.numel()).Should().Be(info.Parameters);
        ModelSummary.Create(model).TotalMacs.Should().Be(info.Macs);
        model.Input.Should().Be(info.Input);
        model.NumClasses.Should().Be(info.DefaultClasses);
        info.Link.IsAbsoluteUri.Should().BeTrue();
        info.Year.Should().BeInRange(1998, 2014);
    }

    [Fact]
    public void Lookup_ignores_case()
    {
        ModelZoo.Get("GoogLeNet").Should().BeSameAs(ModelZoo.Get("googlenet"));
        ModelZoo.TryGet("VGG16", out var info).Should().BeTrue();
        info!.DisplayName.Should().Be("VGG-16");
    }

    [Fact]
    public void An_unknown_name_lists_the_known_names()
    {
        FluentActions.Invoking(() => ModelZoo.Get("resnet50")).Should().Throw<KeyNotFoundException>()
            .WithMessage("Unknown model 'resnet50'. Known models: lenet5, alexnet, vgg16, googlenet, alexnet-torchvision, googlenet-torchvision.");
        ModelZoo.TryGet("resnet50", out _).Should().BeFalse();
        FluentActions.Invoking(() => ModelZoo.Get(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void Names_are_unique_and_lower_case()
    {
        ModelZoo.Names.Should().OnlyHaveUniqueItems().And.OnlyContain(n => n.All(c => !char.IsUpper(c)));
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Options_reach_the_model(string name)
    {
        using var model = ModelZoo.Create(name, new ModelOptions { NumClasses = 5, InChannels = 1 });

        model.NumClasses.Should().Be(5);
        model.Input.Channels.Should().Be(1);
    }
}
