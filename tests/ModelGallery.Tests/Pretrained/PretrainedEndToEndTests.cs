using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Images;
using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Pretrained;

/// <summary>
/// A torchvision weight file and a photo give torchvision's top-5 classes and probabilities: files saved by torchvision
/// (seeded, batch norms calibrated on the photos, so the classes differ from photo to photo), results computed by
/// torchvision in Fixtures/generate_pretrained_fixtures.py. GoogLeNet's file holds aux heads and needs transform_input.
/// </summary>
public sealed class PretrainedEndToEndTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Cases => ["resnet18", "googlenet"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_torchvision_file_and_a_photo_give_torchvisions_top5(string name)
    {
        var expected = PretrainedFixture.Case(name);
        string file = PretrainedFixture.WeightsFile(expected);
        Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))).Should().Be(expected.Sha256, "the script writes the same file every time");
        PretrainedWeights weights = name == "resnet18" ? ResNet.ResNet18ImageNet1K : GoogLeNet.ImageNet1K;
        using var model = weights.Load(file, verifyHash: false); // random weights: not the published file, so not its hash

        foreach (var (photo, top5) in expected.Photos)
        {
            using var scope = NewDisposeScope();
            using var image = ImageFile.Read(PretrainedFixture.Photo(photo));

            var predictions = model.Predict(weights.Preset.Apply(image).unsqueeze(0), topK: 5, labels: weights.Categories)[0];

            predictions.Select(p => p.ClassIndex).Should().Equal(top5.Classes, "{0} on {1}", name, photo);
            predictions.Select(p => (double)p.Probability).Should().Equal(top5.Probabilities, (a, b) => Math.Abs(a - b) <= 1e-4, "{0} on {1}", name, photo);
            predictions.Select(p => p.Label).Should().Equal(top5.Names, "the names are torchvision's meta[\"categories\"]");
            output.WriteLine($"{name} on {photo}: max |Δp| over the top 5 = {predictions.Zip(top5.Probabilities, (p, q) => Math.Abs(p.Probability - q)).Max():E2}");
        }
    }

    [Fact]
    public void Decode_turns_raw_logits_into_the_same_named_top_classes_as_Predict()
    {
        var expected = PretrainedFixture.Case("resnet18");
        var weights = ResNet.ResNet18ImageNet1K;
        using var model = weights.Load(PretrainedFixture.WeightsFile(expected), verifyHash: false);
        using var scope = NewDisposeScope();
        using var image = ImageFile.Read(PretrainedFixture.Photo("chelsea.png"));
        var input = weights.Preset.Apply(image).unsqueeze(0);

        Tensor logits;
        using (no_grad())
        {
            logits = model.call(input);
        }

        weights.Decode(logits, topK: 5)[0].Should().Equal(model.Predict(input, topK: 5, labels: weights.Categories)[0]);
    }

    [Fact]
    public void A_file_whose_hash_is_not_the_published_one_is_refused_by_default()
    {
        string file = PretrainedFixture.WeightsFile(PretrainedFixture.Case("resnet18"));

        var act = () => ResNet.ResNet18ImageNet1K.Load(file);

        act.Should().Throw<InvalidDataException>().Which.Message.Should()
            .Contain(file).And.Contain("f37072fd").And.Contain(PretrainedFixture.Case("resnet18").Sha256);
    }

    [Fact]
    public void A_file_for_another_architecture_is_refused_naming_the_keys()
    {
        string file = PretrainedFixture.WeightsFile(PretrainedFixture.Case("resnet18"));

        var act = () => ResNet.ResNet50ImageNet1K.Load(file, verifyHash: false);

        act.Should().Throw<ModelGallery.Weights.WeightsMismatchException>().Which.Message.Should().Contain("layer1.0.conv3.weight");
    }
}
