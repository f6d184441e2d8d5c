namespace ModelGallery.Cli;

/// <summary>How `summary` prints.</summary>
internal enum OutputFormat
{
    /// <summary>A console table.</summary>
    Table,

    /// <summary>A Markdown pipe table with the README's columns.</summary>
    Markdown,

    /// <summary>Indented JSON.</summary>
    Json,
}
