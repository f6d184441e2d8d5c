namespace ModelGallery.Tests.Readme;

/// <summary>A pipe table of README.md as plain text: a header and rows of cells.</summary>
internal sealed record MarkdownTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public int Column(string name)
    {
        int index = Header.ToList().IndexOf(name);
        return index >= 0 ? index : throw new InvalidOperationException($"The table has no column '{name}'; it has: {string.Join(" | ", Header)}.");
    }

    public MarkdownTable WithCell(int row, int column, string text) =>
        this with { Rows = [.. Rows.Select((cells, r) => r == row ? [.. cells.Select((cell, c) => c == column ? text : cell)] : cells)] };

    public MarkdownTable WithoutRow(int row) => this with { Rows = [.. Rows.Where((_, r) => r != row)] };

    public MarkdownTable WithRowRepeated(int row) => this with { Rows = [.. Rows.Take(row + 1), Rows[row], .. Rows.Skip(row + 1)] };
}
