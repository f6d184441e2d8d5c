namespace ModelGallery.Weights;

/// <summary>A key whose tensor has another shape or dtype in the file than in the model.</summary>
public sealed class KeyMismatch
{
    internal KeyMismatch(string key, string expected, string found)
    {
        Key = key;
        Expected = expected;
        Found = found;
    }

    /// <summary>The state_dict key.</summary>
    public string Key { get; }

    /// <summary>The model's dtype and shape, such as <c>Float32 [64, 3, 7, 7]</c>.</summary>
    public string Expected { get; }

    /// <summary>The file's dtype and shape.</summary>
    public string Found { get; }
}
