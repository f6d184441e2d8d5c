namespace ModelGallery.Training;

/// <summary>Option checks whose messages name the option, what it must be and the value received.</summary>
internal static class Check
{
    /// <summary>Throws unless <paramref name="value"/> is finite and in [low, high] (or [low, high) with <paramref name="upperOpen"/>).</summary>
    public static void Range(string name, double value, double low, double high, string expected, bool upperOpen = false)
    {
        if (!double.IsFinite(value) || value < low || value > high || (upperOpen && value == high))
        {
            throw new ArgumentOutOfRangeException($"options.{name}", value, $"{name} must be {expected}; received {value}.");
        }
    }

    /// <summary>Throws unless <paramref name="value"/> is a finite number above 0.</summary>
    public static void Positive(string name, double value) => Range(name, value, double.Epsilon, double.MaxValue, "a finite number above 0");

    /// <summary>Throws unless <paramref name="value"/> is at least <paramref name="low"/>.</summary>
    public static void AtLeast(string name, int value, int low)
    {
        if (value < low)
        {
            throw new ArgumentOutOfRangeException($"options.{name}", value, $"{name} must be at least {low}; received {value}.");
        }
    }
}
