using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// The deterministic weights and inputs of the parity fixtures, computed exactly as
/// Fixtures/generate_fixtures.py's <c>formula</c> and <c>formula_input</c> do (double precision, then float32):
/// seeded random weights with He's variance, so that the outputs depend on the inputs.
/// </summary>
internal static class ParityFormula
{
    public static void Fill(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (key, tensor) in model.state_dict())
        {
            using var value = Values(key, tensor.shape, tensor.dtype);
            tensor.copy_(value);
        }
    }

    public static Tensor Input(params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            values[i] = (float)Math.Sin((0.01 * i) + 1.0);
        }

        return tensor(values).reshape(shape);
    }

    private static Tensor Values(string key, long[] shape, ScalarType dtype)
    {
        if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
        {
            return zeros(shape, dtype);
        }

        long n = shape.Aggregate(1L, (a, b) => a * b);
        int seed = key.Select((c, k) => (k + 1) * c).Sum() % 997;
        double fanIn = shape.Length > 0 && shape[0] > 0 ? n / shape[0] : 1;
        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            double b = Uniform(seed, i);
            values[i] = (float)(key.EndsWith("running_var", StringComparison.Ordinal) ? 1.0 + (0.25 * (b + 1.0))
                : key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith("bias", StringComparison.Ordinal) ? 0.05 * b
                : key.Contains(".bn.", StringComparison.Ordinal) && key.EndsWith("weight", StringComparison.Ordinal) ? 1.0 + (0.1 * b)
                : b * Math.Sqrt(3.0) * Math.Sqrt(2.0 / Math.Floor(fanIn)));
        }

        return tensor(values).reshape(shape);
    }

    /// <summary>A value in [-1, 1) from a splitmix64 hash of the seed and the index, as generate_fixtures.py's <c>uniform</c>.</summary>
    private static double Uniform(int seed, long index)
    {
        ulong z = unchecked(((ulong)seed * 0x9E3779B97F4A7C15UL) + ((ulong)index * 0xBF58476D1CE4E5B9UL) + 1UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return ((z >> 11) / 9007199254740992.0 * 2.0) - 1.0;
    }
}
