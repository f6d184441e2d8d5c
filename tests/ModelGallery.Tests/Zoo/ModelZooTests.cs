using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Inspection;
using ModelGallery.Tests.Readme;
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

        model.Input.Should().Be(info.Input);
        model.NumClasses.Should().Be(info.DefaultClasses);
        model.GetName().Should().Be(model.GetType().Name, "a model's name, used in every message, is its class name");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void The_paper_is_the_one_the_readme_section_cites(string name)
    {
        var info = ModelZoo.Get(name);
        string paperLine = ReadmeDocument.Current.Section(info.DisplayName).Single(line => line.StartsWith("**Paper**", StringComparison.Ordinal));

        paperLine.Should().StartWith($"**Paper**: [{info.Paper.Title}]({info.Paper.Link}) ({info.Paper.Authors}, {info.Paper.Year})");
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
        FluentActions.Invoking(() => ModelZoo.Get("densenet121")).Should().Throw<KeyNotFoundException>()
            .WithMessage($"Unknown model 'densenet121'. Known models: {string.Join(", ", ModelZoo.All.Select(info => info.Name))}.");
        ModelZoo.TryGet("densenet121", out _).Should().BeFalse();
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
