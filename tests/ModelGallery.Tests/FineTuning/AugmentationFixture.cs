using System.Text.Json;
using ModelGallery.Data;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>torchvision 0.14's RandomResizedCrop facts from Fixtures/generate_augmentation_fixtures.py (committed).</summary>
internal static class AugmentationFixture
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The boxes and get_params' fallbacks.</summary>
    public static Facts Read() =>
        JsonSerializer.Deserialize<Facts>(File.ReadAllText(Weights.Fixture.Path("augmentation.expected.json")), Options)!;

    /// <summary>torchvision's crops (uint8, some float32); the caller disposes them.</summary>
    public static Dictionary<string, Tensor> Crops() => Safetensors.LoadStateDict(Weights.Fixture.Path("augmentation.expected.safetensors"));

    public sealed record Facts(string Photo, int Size, Dictionary<string, Box> Boxes, Fallback[] Fallbacks);

    public sealed record Box(int Top, int Left, int Height, int Width)
    {
        public CropBox ToCropBox() => new(Top, Left, Height, Width);
    }

    public sealed record Fallback(int Height, int Width, double[] Scale, double[] Ratio, Box Box);
}
