using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;

namespace ModelGallery.Tests.Images;

/// <summary>One case of photos.expected.json: what Pillow and numpy decode for a file (see generate_image_fixtures.py).</summary>
internal sealed record ExpectedImage(
    string Source, string File, byte[] Background, string Kind, int Width, int Height,
    string? Sha256, int[][]? Samples, double[]? Mean, ExpectedCrop[]? Crops, string? Rgb)
{
    /// <summary>The case's name in test output: <c>photos/chelsea.png</c>, with the background when it is not white.</summary>
    public string Key => $"{Source}/{File}" + (Background.All(b => b == 255) ? string.Empty : $"@{string.Join(',', Background)}");

    public string Path => Photos.Locate(Source, File);
}

/// <summary>A rectangle of Pillow's decoded pixels (H × W × 3, base64).</summary>
internal sealed record ExpectedCrop(int X, int Y, int Width, int Height, string Rgb);

/// <summary>The cases of photos.expected.json and helpers to compare a decoded tensor with them.</summary>
internal static class ExpectedImages
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new ByteListConverter() },
    };

    private static readonly Lazy<ExpectedImage[]> Cases = new(() =>
    {
        string json = System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "photos.expected.json"));
        return JsonSerializer.Deserialize<Document>(json, Json)!.Cases;
    });

    public static ExpectedImage Get(string key) => Cases.Value.Single(c => c.Key == key);

    public static string[] Names(string kind) => [.. Cases.Value.Where(c => c.Kind == kind).Select(c => c.Key)];

    public static TheoryData<string> Keys(string kind) => [.. Names(kind)];

    /// <summary>A decoded 3 × H × W tensor as Pillow lays pixels out: H × W × 3, row-major.</summary>
    public static byte[] Hwc(torch.Tensor chw)
    {
        using var hwc = chw.permute(1, 2, 0).contiguous();
        return hwc.data<byte>().ToArray();
    }

    /// <summary>Whether two tensors have the same shape and the same elements.</summary>
    public static bool Same(torch.Tensor a, torch.Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
        {
            return false;
        }

        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Mean and max |Δ| over the crops, between a decoded H × W × 3 image and Pillow's pixels.</summary>
    public static (double Mean, int Max) CropDifference(byte[] hwc, int width, ExpectedCrop[] crops)
    {
        long sum = 0, count = 0;
        int max = 0;
        foreach (var crop in crops)
        {
            byte[] expected = Convert.FromBase64String(crop.Rgb);
            for (int y = 0; y < crop.Height; y++)
            {
                for (int i = 0; i < crop.Width * 3; i++)
                {
                    int delta = Math.Abs(hwc[((crop.Y + y) * width * 3) + (crop.X * 3) + i] - expected[(y * crop.Width * 3) + i]);
                    sum += delta;
                    max = Math.Max(max, delta);
                    count++;
                }
            }
        }

        return ((double)sum / count, max);
    }

    private sealed record Document(string Generator, ExpectedImage[] Cases);

    /// <summary>Reads <c>[255, 255, 255]</c> as bytes (System.Text.Json expects base64 for byte[]).</summary>
    private sealed class ByteListConverter : JsonConverter<byte[]>
    {
        public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            [.. JsonSerializer.Deserialize<int[]>(ref reader)!.Select(v => checked((byte)v))];

        public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Select(v => (int)v).ToArray());
    }
}
