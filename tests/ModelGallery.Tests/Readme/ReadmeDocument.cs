using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ModelGallery.Tests.Readme;

/// <summary>README.md parsed with Markdig: its level-2 sections and the pipe tables in them.</summary>
internal sealed class ReadmeDocument
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    private readonly List<(string Heading, List<Block> Blocks)> sections = [("", [])];

    private readonly string[] lines;

    public ReadmeDocument(string markdown)
    {
        lines = markdown.Split('\n');
        Document = Markdown.Parse(markdown, Pipeline);
        foreach (Block block in Document)
        {
            if (block is HeadingBlock { Level: 2 } heading)
            {
                sections.Add((InlineText(heading.Inline), []));
            }
            else
            {
                sections[^1].Blocks.Add(block);
            }
        }
    }

    public static ReadmeDocument Current { get; } = new(File.ReadAllText(RepoPaths.Readme));

    /// <summary>
    /// The documentation files, relative to the repository root: README.md, then every README.md beside the code
    /// (src/, tests/, samples/), outside build output.
    /// </summary>
    public static IReadOnlyList<string> DocumentPaths { get; } =
    [
        "README.md",
        .. new[] { "src", "tests", "samples" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, folder), "README.md", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(RepoPaths.Root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal),
    ];

    /// <summary>Parses a documentation file given relative to the repository root.</summary>
    public static ReadmeDocument Load(string relativePath) =>
        relativePath == "README.md" ? Current : new(File.ReadAllText(Path.Combine(RepoPaths.Root, relativePath)));

    public MarkdownDocument Document { get; }

    /// <summary>The tables of the section under <paramref name="heading"/> (the text before the first section has heading "").</summary>
    public IReadOnlyList<MarkdownTable> Tables(string heading)
    {
        var section = sections.SingleOrDefault(s => s.Heading == heading);
        if (section.Blocks is null)
        {
            throw new InvalidOperationException($"README.md has no section '## {heading}'.");
        }

        return [.. section.Blocks.OfType<Table>().Select(ToTable)];
    }

    /// <summary>The raw lines of the section under <c>## <paramref name="heading"/></c>, up to the next level-2 heading.</summary>
    public IReadOnlyList<string> Section(string heading)
    {
        int start = Array.IndexOf(lines, $"## {heading}");
        if (start < 0)
        {
            throw new InvalidOperationException($"README.md has no section '## {heading}'.");
        }

        return [.. lines.Skip(start + 1).TakeWhile(line => !line.StartsWith("## ", StringComparison.Ordinal))];
    }

    /// <summary>The section's architecture table: the table whose first column is "Layer".</summary>
    public MarkdownTable ArchitectureTable(string heading) =>
        Tables(heading).Single(table => table.Header.Count > 0 && table.Header[0] == "Layer");

    private static MarkdownTable ToTable(Table table)
    {
        var rows = table.OfType<TableRow>().Select(row => (IReadOnlyList<string>)[.. row.OfType<TableCell>().Select(CellText)]).ToList();
        var header = table.OfType<TableRow>().First().IsHeader ? rows[0] : throw new InvalidOperationException("A table without a header row.");
        return new MarkdownTable(header, rows.Skip(1).ToList());
    }

    private static string CellText(TableCell cell) =>
        string.Join(" ", cell.OfType<LeafBlock>().Select(block => InlineText(block.Inline))).Trim();

    private static string InlineText(ContainerInline? inline)
    {
        var text = new StringBuilder();
        Append(inline, text);
        return text.ToString().Trim();
    }

    private static void Append(Inline? inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case ContainerInline container:
                foreach (Inline child in container)
                {
                    Append(child, text);
                }

                break;
        }
    }
}
