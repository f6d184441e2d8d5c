using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Modeling;
using ModelGallery.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Pretrained;

/// <summary>
/// The presets against torchvision 0.14's PIL path — <c>weights.transforms()</c> on a PIL image, which is how
/// torchvision's published accuracies were measured — on skimage's PNG photos and two crops made from them (61 × 47,
/// upsampled; a 701 × 90 panorama). Expected values from Fixtures/generate_pil_parity_fixtures.py (Pillow 9.4):
/// the crops equal bit for bit, the normalised tensors too, and the seeded, calibrated torchvision files give
/// torchvision's top-5 with probabilities within 1e-4 (classes compared at every rank not tied within that tolerance).
/// The inputs being identical, what remains is the networks' float arithmetic (libtorch 2.x against PyTorch 1.13):
/// measured up to 6e-5, so the 1e-5 asked for in issue 29 is out of reach for the model, not the preprocessing.
/// </summary>
public sealed class PilParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> Images => [.. PilParityFixture.Pixels().Keys];

    public static TheoryData<string> Models => ["alexnet", "googlenet", "resnet18", "resnet50", "resnet50-v2"];

    [Theory]
    [MemberData(nameof(Images))]
    public void The_preset_gives_torchvisions_PIL_path_bit_for_bit(string name)
    {
        using var scope = NewDisposeScope();
        var facts = PilParityFixture.Pixels()[name];
        using var image = PilParityFixture.Read(facts);
        image.shape.Should().Equal(3, facts.Size[0], facts.Size[1]);
        Sha256(image.permute(1, 2, 0)).Should().Be(facts.RgbSha256, "the image decodes to PIL's convert(\"RGB\"), so the resize sees torchvision's input");

        foreach (var (resize, expected) in facts.Crops)
        {
            var preset = ClassificationPreset.ImageNet(resizeSize: int.Parse(resize, System.Globalization.CultureInfo.InvariantCulture));
            var crop = ImageTransforms.CenterCrop(ImageTransforms.ResizeShorterSide(image, preset.ResizeSize), 224, 224);

            crop.to(int64).sum([1, 2]).data<long>().ToArray().Should().Equal(expected.ChannelSums, "{0} resized to {1}: the per-channel sums of PIL's crop", name, resize);
            Sha256(crop).Should().Be(expected.CropSha256, "{0} resized to {1}: PIL's crop, byte for byte", name, resize);
            Sha256(preset.Apply(image)).Should().Be(expected.NormalisedSha256, "{0} resized to {1}: torchvision's float32 tensor, bit for bit", name, resize);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    [Trait("Category", "Slow")]
    public void A_seeded_torchvision_file_gives_the_PIL_paths_top5_on_every_image(string name)
    {
        var expected = PilParityFixture.Models()[name];
        PretrainedWeights weights = name switch
        {
            "alexnet" => AlexNet.ImageNet1K,
            "googlenet" => GoogLeNet.ImageNet1K,
            "resnet18" => ResNet.ResNet18ImageNet1K,
            "resnet50" => ResNet.ResNet50ImageNet1K,
            _ => ResNet.ResNet50ImageNet1KV2,
        };
        weights.Preset.ResizeSize.Should().Be(expected.Resize);
        weights.Preset.Resampling.Should().Be(Resampling.Pillow, "torchvision's weights are evaluated on PIL images");
        string file = PilParityFixture.WeightsFile(expected);
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))).Should().Be(expected.Sha256);
        using var model = weights.Load(file, verifyHash: false); // seeded weights: not the published file
        var pixels = PilParityFixture.Pixels();
        double worst = 0;
        int compared = 0;

        foreach (var (image, top5) in expected.Images)
        {
            using var scope = NewDisposeScope();
            using var decoded = PilParityFixture.Read(pixels[image]);

            var predictions = model.Predict(weights.Preset.Apply(decoded).unsqueeze(0), topK: 5, labels: weights.Categories)[0];

            predictions.Select(p => (double)p.Probability).Should().Equal(top5.Probabilities, (a, b) => Math.Abs(a - b) <= 1e-4, "{0} on {1}", name, image);
            for (int rank = 0; rank < 5; rank++)
            {
                // A class is compared where its probability stands apart from its neighbours' by more than twice the
                // tolerance; within it, the order is a tie at this precision (saturated softmaxes give runs of 0 or 1e-30).
                double above = rank == 0 ? 1 : top5.Probabilities[rank - 1] - top5.Probabilities[rank];
                double below = rank == 4 ? top5.Gap : top5.Probabilities[rank] - top5.Probabilities[rank + 1];
                if (rank == 0 || Math.Min(above, below) > 2e-4)
                {
                    predictions[rank].ClassIndex.Should().Be(top5.Classes[rank], "{0} on {1}, rank {2}", name, image, rank + 1);
                    compared++;
                }
            }

            worst = Math.Max(worst, predictions.Zip(top5.Probabilities, (p, q) => Math.Abs(p.Probability - q)).Max());
        }

        output.WriteLine($"{name}: {expected.Images.Count} images, {expected.Images.Values.Select(t => string.Join(",", t.Classes)).Distinct().Count()} distinct top-5 lists, {compared} of {5 * expected.Images.Count} ranks apart from ties and compared by class, max |Δp| {worst:E2}");
    }

    private static string Sha256(Tensor tensor)
    {
        var contiguous = tensor.contiguous();
        byte[] bytes = contiguous.dtype == ScalarType.Byte
            ? contiguous.data<byte>().ToArray()
            : MemoryMarshal.AsBytes(contiguous.data<float>().ToArray().AsSpan()).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }
}
