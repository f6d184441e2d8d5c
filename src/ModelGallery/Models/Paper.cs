namespace ModelGallery.Models;

/// <summary>The paper that introduced an architecture.</summary>
/// <param name="Title">Its title.</param>
/// <param name="Authors">Its authors, as the README cites them (<c>He, Zhang, Ren and Sun</c>).</param>
/// <param name="Year">The year it appeared.</param>
/// <param name="Link">Where to read it.</param>
public sealed record Paper(string Title, string Authors, int Year, Uri Link);
