namespace ModelGallery.Weights;

/// <summary>A global that a pickle names and the reader's caller accepts: a name only, never imported or called.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A pickled call (REDUCE) of an accepted global, kept as data: nothing is ever called.</summary>
internal sealed record PickleCall(PickleGlobal Function, object?[] Arguments);

/// <summary>A pickled dict or <c>collections.OrderedDict</c>: its items, in order.</summary>
internal sealed class PickleDict : List<KeyValuePair<object?, object?>>;
