using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// The deterministic weights and inputs of the parity fixtures, computed exactly as
/// Fixtures/generate_fixtures.py's <c>formula</c> and <c>formula_input</c> do (double precision, then float32).
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
            double b = Math.Sin((0.7 * i) + (0.1 * seed));
            values[i] = (float)(key.EndsWith("running_var", StringComparison.Ordinal) ? 1.0 + (0.25 * (b + 1.0))
                : key.EndsWith("running_mean", StringComparison.Ordinal) || key.EndsWith("bias", StringComparison.Ordinal) ? 0.05 * b
                : key.Contains(".bn.", StringComparison.Ordinal) && key.EndsWith("weight", StringComparison.Ordinal) ? 1.0 + (0.1 * b)
                : b * (2.0 / Math.Sqrt(Math.Floor(fanIn))));
        }

        return tensor(values).reshape(shape);
    }
}
