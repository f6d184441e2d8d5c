using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>The committed PyTorch fixtures (Fixtures/generate_fixtures.py).</summary>
internal static class Fixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>The expected outputs of a case; the caller disposes them (or runs inside a dispose scope).</summary>
    public static Dictionary<string, Tensor> Expected(string name) => Safetensors.LoadStateDict(Path($"{name}.expected.safetensors"));

    /// <summary>max |actual − expected| / max |expected|.</summary>
    public static double RelativeError(Tensor actual, Tensor expected) =>
        (actual.to(float64) - expected.to(float64)).abs().max().item<double>() / expected.to(float64).abs().max().item<double>();
}
