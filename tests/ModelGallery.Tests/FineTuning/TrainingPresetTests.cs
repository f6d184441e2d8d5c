using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Tests.Images;
using static TorchSharp.torch;

namespace ModelGallery.Tests.FineTuning;

/// <summary>The training preset on a real photo: shape, determinism per seed, the flip and the normalisation.</summary>
public sealed class TrainingPresetTests
{
    private static readonly float[] Mean = [0.5f, 0.25f, 0f];
    private static readonly float[] Std = [0.5f, 0.5f, 2f];

    /// <summary>torchvision's ImageNet normalisation (transforms/_presets.py), written here rather than read from the library.</summary>
    private static readonly float[] TorchvisionMean = [0.485f, 0.456f, 0.406f];

    private static readonly float[] TorchvisionStd = [0.229f, 0.224f, 0.225f];

    [Fact]
    public void ImageNets_preset_gives_a_normalised_224_crop_the_same_for_the_same_seed()
    {
        using var scope = NewDisposeScope();
        var image = ImageFile.Read(Photos.Photo("coffee.png"));
        var preset = ClassificationPreset.ImageNet();

        var first = preset.ApplyTraining(image, new Random(7));
        var again = preset.ApplyTraining(image, new Random(7));
        var other = preset.ApplyTraining(image, new Random(8));

        preset.CropSize.Should().Be(224);
        preset.FlipProbability.Should().Be(0.5);
        first.shape.Should().Equal(3, 224, 224);
        first.dtype.Should().Be(ScalarType.Float32);
        Same.Tensors(first, again).Should().BeTrue();
        Same.Tensors(first, other).Should().BeFalse();

        // Normalised with torchvision's ImageNet constants (transforms/_presets.py), written here, not read from the
        // library: the same crop and flip without normalisation, normalised by hand, is the preset's output.
        var raw = new ClassificationPreset(224, 224, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]) { FlipProbability = 0.5 }.ApplyTraining(image, new Random(7));
        var byHand = (raw - tensor(TorchvisionMean).reshape(3, 1, 1)) / tensor(TorchvisionStd).reshape(3, 1, 1);
        (first - byHand).abs().max().item<float>().Should().BeLessThan(1e-5f);
    }

    [Fact]
    public void The_preset_is_crop_then_flip_then_scale_and_normalise()
    {
        using var scope = NewDisposeScope();
        var image = ImageFile.Read(Photos.Photo("chelsea.png"));
        var never = new ClassificationPreset(64, 64, [0.5, 0.25, 0.0], [0.5, 0.5, 2.0]) { FlipProbability = 0.0 };

        var plain = never.ApplyTraining(image, new Random(3));
        var flipped = (never with { FlipProbability = 1.0 }).ApplyTraining(image, new Random(3));

        // The same draws: the box from the first ones, then one draw for the flip either way.
        var box = ImageAugmentation.SampleCropBox(300, 451, new Random(3));
        var crop = ImageAugmentation.ResizedCrop(image, box, 64).to(float32) / 255.0;
        var expected = (crop - tensor(Mean).reshape(3, 1, 1)) / tensor(Std).reshape(3, 1, 1);
        (plain - expected).abs().max().item<float>().Should().BeLessThan(1e-6f);
        (flipped - expected.flip(2)).abs().max().item<float>().Should().BeLessThan(1e-6f);
        Same.Tensors(plain, flipped).Should().BeFalse("a photo is not mirror-symmetric");
    }

    [Fact]
    public void Half_the_images_are_flipped()
    {
        using var scope = NewDisposeScope();
        var image = arange(2 * 3 * 4 * 5, dtype: float32).reshape(2, 3, 4, 5) / 120.0; // asymmetric rows
        var preset = new ClassificationPreset(4, 4, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]) { FlipProbability = 0.5, MinScale = 1, MaxScale = 1, MinRatio = 1.25, MaxRatio = 1.25 };
        var unflipped = ImageAugmentation.ResizedCrop(image, new CropBox(0, 0, 4, 5), 4);

        int flips = Enumerable.Range(0, 400).Count(seed => !Same.Tensors(preset.ApplyTraining(image, new Random(seed)), unflipped));

        flips.Should().BeInRange(160, 240, "a fair coin over 400 seeds (mean 200, sd 10)");
    }

    [Fact]
    public void A_flip_probability_outside_0_1_is_refused_with_its_value()
    {
        using var image = zeros(3, 8, 8, ScalarType.Byte);

        FluentActions.Invoking(() => new ClassificationPreset(4, 4, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]) { FlipProbability = 1.5 }.ApplyTraining(image, new Random(0)))
            .Should().Throw<InvalidOperationException>().WithMessage("*FlipProbability must be in [0, 1]*1.5*");
    }
}
