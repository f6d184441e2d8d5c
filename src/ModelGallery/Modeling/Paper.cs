namespace ModelGallery.Modeling;

/// <summary>The paper that introduced an architecture.</summary>
public sealed class Paper
{
    internal Paper(string title, string authors, int year, Uri link)
    {
        Title = title;
        Authors = authors;
        Year = year;
        Link = link;
    }

    /// <summary>Its title.</summary>
    public string Title { get; }

    /// <summary>Its authors, as the README cites them (<c>He, Zhang, Ren and Sun</c>).</summary>
    public string Authors { get; }

    /// <summary>The year it appeared.</summary>
    public int Year { get; }

    /// <summary>Where to read it.</summary>
    public Uri Link { get; }
}
