using ModelGallery.Zoo;
using System.Globalization;
using System.Text.RegularExpressions;
using Markdig.Syntax;

namespace ModelGallery.Tests.Readme;

/// <summary>The README's architecture tables are the specification: every row is held to the live model.</summary>
public sealed partial class ReadmeTableTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Every_architecture_row_matches_the_live_model(string model)
    {
        var table = ReadmeDocument.Current.ArchitectureTable(ModelZoo.Get(model).DisplayName);

        var problems = ArchitectureRowVerifier.Verify(table, LiveModel.Of(model));

        problems.Should().BeEmpty("README.md's {0} table is the specification", model);
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Changing_any_cell_of_the_table_is_detected(string model)
    {
        var table = ReadmeDocument.Current.ArchitectureTable(ModelZoo.Get(model).DisplayName);
        var live = LiveModel.Of(model);
        var undetected = new List<string>();

        for (int row = 0; row < table.Rows.Count; row++)
        {
            for (int column = 0; column < table.Header.Count; column++)
            {
                string cell = table.Rows[row][column];
                string changed = Mutate(cell);
                if (ArchitectureRowVerifier.Verify(table.WithCell(row, column, changed), live).Count == 0)
                {
                    undetected.Add($"row {row + 1}, {table.Header[column]}: '{cell}' -> '{changed}'");
                }
            }
        }

        undetected.Should().BeEmpty("a change to any cell must make the verification fail");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void A_missing_or_extra_row_is_detected(string model)
    {
        var table = ReadmeDocument.Current.ArchitectureTable(ModelZoo.Get(model).DisplayName);
        var live = LiveModel.Of(model);

        for (int row = 1; row < table.Rows.Count; row++)
        {
            ArchitectureRowVerifier.Verify(table.WithoutRow(row), live).Should().NotBeEmpty("row {0} was removed", row + 1);
            ArchitectureRowVerifier.Verify(table.WithRowRepeated(row), live).Should().NotBeEmpty("row {0} was doubled", row + 1);
        }
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void The_overview_row_matches_the_live_model(string model)
    {
        var overview = ReadmeDocument.Current.Tables("The gallery").Single(t => t.Header[0] == "Model");
        var row = overview.Rows.Single(r => r[overview.Column("Model")] == ModelZoo.Get(model).DisplayName);
        var live = LiveModel.Of(model).Model;

        row[overview.Column("Class")].Should().Be(live.GetType().Name);
        row[overview.Column("Input (C × H × W)")].Should().Be($"{live.Input.Channels} × {live.Input.Height} × {live.Input.Width}");
        row[overview.Column("Default classes")].Should().Be(live.NumClasses.ToString(CultureInfo.InvariantCulture));
        long parameters = long.Parse(row[overview.Column("Parameters at default")], NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        live.parameters().Sum(p => p.numel()).Should().Be(parameters);
    }

    [Fact]
    public void Every_model_has_a_section_and_the_overview_lists_them_all()
    {
        var overview = ReadmeDocument.Current.Tables("The gallery").Single(t => t.Header[0] == "Model");

        overview.Rows.Select(r => r[overview.Column("Model")]).Should().BeEquivalentTo(ModelZoo.All.Select(info => info.DisplayName));
        foreach (string heading in ModelZoo.All.Select(info => info.DisplayName))
        {
            ReadmeDocument.Current.Invoking(readme => readme.ArchitectureTable(heading)).Should().NotThrow();
        }
    }

    [Fact]
    public void Every_image_and_file_link_points_to_a_file_in_the_repository()
    {
        ReadmeDocument.Current.Document.Descendants<Markdig.Syntax.Inlines.LinkInline>()
            .Should().Contain(link => (link.Url ?? string.Empty).StartsWith("figures/", StringComparison.Ordinal));
        foreach (string document in ReadmeDocument.DocumentPaths)
        {
            string folder = Path.GetDirectoryName(Path.Combine(RepoPaths.Root, document))!;
            var targets = ReadmeDocument.Load(document).Document.Descendants<Markdig.Syntax.Inlines.LinkInline>()
                .Select(link => (link.Url ?? string.Empty).Split('#')[0])
                .Where(url => url.Length > 0 && !url.Contains("://", StringComparison.Ordinal))
                .ToList();
            targets.Where(url => !File.Exists(Path.Combine(folder, url)) && !Directory.Exists(Path.Combine(folder, url))).Should().BeEmpty("{0} links to files that exist", document);
        }
    }

    [Fact]
    public void Every_link_to_a_section_names_a_heading_that_exists()
    {
        var pipeline = Markdig.MarkdownExtensions.UseAutoIdentifiers(Markdig.MarkdownExtensions.UsePipeTables(new Markdig.MarkdownPipelineBuilder()), Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub).Build();
        var headings = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> HeadingsOf(string path) => headings.TryGetValue(path, out var ids) ? ids : headings[path] =
            [.. Markdig.Markdown.Parse(File.ReadAllText(path), pipeline).Descendants<Markdig.Syntax.HeadingBlock>().Select(heading => Markdig.Renderers.Html.HtmlAttributesExtensions.GetAttributes(heading).Id ?? string.Empty)];

        var broken = new List<string>();
        foreach (string document in ReadmeDocument.DocumentPaths)
        {
            string path = Path.Combine(RepoPaths.Root, document);
            foreach (string url in ReadmeDocument.Load(document).Document.Descendants<Markdig.Syntax.Inlines.LinkInline>().Select(link => link.Url ?? string.Empty))
            {
                int hash = url.IndexOf('#', StringComparison.Ordinal);
                if (hash < 0 || url.Contains("://", StringComparison.Ordinal))
                {
                    continue;
                }

                string target = hash == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, url[..hash]));
                if (File.Exists(target) && !HeadingsOf(target).Contains(url[(hash + 1)..]))
                {
                    broken.Add($"{document}: {url}");
                }
            }
        }

        broken.Should().BeEmpty("a link to a section must name a heading of its document (GitHub's anchors)");
    }

    [Fact]
    public void The_readme_links_every_document_beside_the_code()
    {
        string readme = File.ReadAllText(RepoPaths.Readme);
        ReadmeDocument.DocumentPaths.Where(path => path != "README.md" && !path.Contains("/TestData/", StringComparison.Ordinal))
            .Should().OnlyContain(path => readme.Contains($"({path})", StringComparison.Ordinal), "README.md is the front door to every document");
    }

    [Fact]
    public void The_readme_is_a_front_door_of_at_most_600_lines()
    {
        File.ReadAllLines(RepoPaths.Readme).Length.Should().BeLessThanOrEqualTo(600);
    }

    /// <summary>Changes a cell so that it must no longer describe the model: a number goes up by one, a word changes.</summary>
    private static string Mutate(string cell)
    {
        var number = FirstNumber().Match(cell);
        if (number.Success)
        {
            string bumped = (decimal.Parse(number.Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
            return cell[..number.Index] + bumped + cell[(number.Index + number.Length)..];
        }

        return cell switch
        {
            "-" => "1",
            "ReLU" => "sigmoid",
            "Input" => "Convolution",
            "Convolution" => "MaxPool",
            "Fully Connected" => "Convolution",
            _ => "-",
        };
    }

    [GeneratedRegex(@"\d+(\.\d+)?")]
    private static partial Regex FirstNumber();
}
