using System.Text.Json;
using System.Text.Json.Serialization;
using ModelGallery.Images;
using ModelGallery.Tests.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Pretrained;

/// <summary>
/// The fixtures of Fixtures/generate_pil_parity_fixtures.py: torchvision's PIL path on skimage's PNG photos, two crops
/// made from them and two made files (an alpha ramp PNG, a JPEG with EXIF orientation 6), pixels committed as hashes;
/// and torchvision's top-5 on that path for the seeded weight files, in float32 and in float64 (written beside the files
/// by the script's <c>--models</c> run, which CI does).
/// </summary>
internal static class PilParityFixture
{
    private const string Script = "tests/ModelGallery.Tests/Fixtures/generate_pil_parity_fixtures.py";

    /// <summary>Per image: where it comes from, its size, PIL's RGB hash, and per resize size the crop's facts.</summary>
    public static Dictionary<string, ImageFacts> Pixels() =>
        JsonSerializer.Deserialize<Committed>(System.IO.File.ReadAllText(Fixture.Path("pil-parity.expected.json")), Options)!.Pixels;

    /// <summary>torchvision's results per model case (alexnet, googlenet, resnet18, resnet50, resnet50-v2, vgg16), as the last run on this machine wrote them.</summary>
    public static Dictionary<string, ModelResults> Models()
    {
        string path = Path.Combine(Generated, "pil-parity.expected.json");
        System.IO.File.Exists(path).Should().BeTrue($"torchvision's results on the seeded files are written by `/usr/bin/python3 {Script} --models` after `generate_pretrained_fixtures.py --weights` (.ci/run does both): {path}");
        return JsonSerializer.Deserialize<Dictionary<string, ModelResults>>(System.IO.File.ReadAllText(path), Options)!;
    }

    /// <summary>A generated weight file; fails with the command that writes it when it is missing.</summary>
    public static string WeightsFile(ModelResults results)
    {
        string path = Path.Combine(Generated, results.File);
        System.IO.File.Exists(path).Should().BeTrue($"the weight file is written by `/usr/bin/python3 tests/ModelGallery.Tests/Fixtures/generate_pretrained_fixtures.py --weights`: {path}");
        return path;
    }

    /// <summary>
    /// Decodes an image as the script reads it, as torchvision does (<see cref="ImageReadOptions.TorchvisionCompatible"/>:
    /// alpha dropped, EXIF orientation ignored), cut to the box for a made crop. The caller disposes it.
    /// </summary>
    public static Tensor Read(ImageFacts facts, ImageReadOptions? options = null)
    {
        using var photo = ImageFile.Read(Images.Photos.Locate(facts.Source, facts.File), options ?? ImageReadOptions.TorchvisionCompatible);
        if (facts.Box is not [int left, int top, int width, int height])
        {
            return photo.alias();
        }

        return photo.narrow(1, top, height).narrow(2, left, width).contiguous();
    }

    private static string Generated => Path.Combine(RepoPaths.Root, "tests", "ModelGallery.Tests", "Fixtures", "generated");

    public sealed record ImageFacts(string Source, string File, int[]? Box, int[] Size, [property: JsonPropertyName("rgb_sha256")] string RgbSha256, Dictionary<string, CropFacts> Crops);

    public sealed record CropFacts(
        [property: JsonPropertyName("crop_sha256")] string CropSha256,
        [property: JsonPropertyName("channel_sums")] long[] ChannelSums,
        [property: JsonPropertyName("normalised_sha256")] string NormalisedSha256);

    /// <summary>A model's results: <see cref="Images"/> in float32, <see cref="Float64"/> with the network and inputs widened to float64.</summary>
    public sealed record ModelResults(
        string File, string Sha256, int Resize, Dictionary<string, Top5> Images, Dictionary<string, Top5> Float64,
        [property: JsonPropertyName("max_abs_logit")] double MaxAbsLogit);

    public sealed record Top5(int[] Classes, double[] Probabilities, double Gap);

    private sealed record Committed(Dictionary<string, ImageFacts> Pixels);

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };
}
