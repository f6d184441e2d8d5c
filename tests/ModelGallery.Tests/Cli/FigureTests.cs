using ModelGallery.Cli;
using ModelGallery.Zoo;

namespace ModelGallery.Tests.Cli;

public sealed class FigureTests
{
    [Fact]
    public void Every_committed_figure_is_what_the_models_draw_now()
    {
        var stale = ArchitectureFigures.All()
            .Where(figure => !File.Exists(Path.Combine(RepoPaths.Root, "figures", figure.File))
                || File.ReadAllText(Path.Combine(RepoPaths.Root, "figures", figure.File)) != figure.Svg)
            .Select(figure => figure.File)
            .ToList();

        stale.Should().BeEmpty("figures/ must be redrawn with: dotnet run --project samples/ModelGallery.Cli -- figures");
    }

    [Fact]
    public void A_figure_shows_every_row_with_its_output_shape()
    {
        string svg = ArchitectureFigures.Model(ModelZoo.Get("lenet5"));

        foreach (string text in new[] { "conv1", "6×28×28", "pool2", "16×5×5", "fc3", "62,006 parameters" })
        {
            svg.Should().Contain(text);
        }
    }

    [Fact]
    public void The_inception_figure_reads_its_branches_from_the_block()
    {
        string svg = ArchitectureFigures.Inception();

        svg.Should().Contain("1×1 conv, 64").And.Contain("3×3 conv, 128").And.Contain("5×5 conv, 32").And.Contain("3×3 max-pool /1").And.Contain("256×28×28");
    }

    [Fact]
    public void The_readme_shows_every_figure()
    {
        string readme = File.ReadAllText(RepoPaths.Readme);

        ArchitectureFigures.All().Select(f => f.File).Should().OnlyContain(file => readme.Contains($"(figures/{file})", StringComparison.Ordinal));
    }
}
