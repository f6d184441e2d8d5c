using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGallery.Tests.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Pretrained;

/// <summary>
/// The fixtures of Fixtures/generate_pretrained_fixtures.py: torchvision's transforms of real photos (committed) and
/// torchvision weight files with torchvision's top-5 for the photos (the files are written by the script's
/// <c>--weights</c> run, which CI does; their SHA-256 is committed).
/// </summary>
internal static class PretrainedFixture
{
    private const string Script = "tests/ModelGallery.Tests/Fixtures/generate_pretrained_fixtures.py";

    /// <summary>A photo of Debian's python3-skimage (see Images/Photos).</summary>
    public static string Photo(string file) => Images.Photos.Photo(file);

    /// <summary>The transforms' expected tensors (uint8 crops, one float output); the caller disposes them.</summary>
    public static Dictionary<string, Tensor> Transforms() => Safetensors.LoadStateDict(Fixture.Path("transforms.expected.safetensors"));

    /// <summary>Facts of each transformed photo: file, size, size after resizing, SHA-256 of PIL's RGB bytes.</summary>
    public static Dictionary<string, PhotoFacts> Photos() =>
        JsonSerializer.Deserialize<Dictionary<string, PhotoFacts>>(System.IO.File.ReadAllText(Fixture.Path("transforms.expected.json")), Options)!;

    /// <summary>torchvision's results for one generated weight file (written beside the files by the script's <c>--weights</c> run).</summary>
    public static Expected Case(string name)
    {
        string path = Path.Combine(Generated, "pretrained.expected.json");
        System.IO.File.Exists(path).Should().BeTrue($"the weight files and torchvision's results for them are written by `/usr/bin/python3 {Script} --weights` (python3-torchvision; .ci/run does it): {path}");
        return JsonSerializer.Deserialize<Dictionary<string, Expected>>(System.IO.File.ReadAllText(path), Options)![name];
    }

    private static string Generated => Path.Combine(RepoPaths.Root, "tests", "ModelGallery.Tests", "Fixtures", "generated");

    /// <summary>The generated weight file of a case; fails with the command that writes it when it is missing.</summary>
    public static string WeightsFile(Expected expected)
    {
        string path = Path.Combine(Generated, expected.File);
        System.IO.File.Exists(path).Should().BeTrue($"the weight file is written by `/usr/bin/python3 {Script} --weights` (python3-torchvision; .ci/run does it): {path}");
        return path;
    }

    public sealed record PhotoFacts(string File, int[] Size, int[] Resized, [property: JsonPropertyName("rgb_sha256")] string RgbSha256);

    public sealed record Expected(string File, string Sha256, Dictionary<string, Top5> Photos);

    public sealed record Top5(int[] Classes, string[] Names, double[] Probabilities);

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };
}
