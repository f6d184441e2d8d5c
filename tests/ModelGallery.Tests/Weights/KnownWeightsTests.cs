using ModelGallery.Modeling;
using ModelGallery.Models;
using System.Security.Cryptography;
using ModelGallery.Data;
using ModelGallery.Training;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

public sealed class KnownWeightsTests
{
    [Fact]
    public void The_shipped_LeNet5_reaches_its_stated_accuracy_on_the_real_test_set()
    {
        var weights = LeNet5.FashionMnist;
        using var model = weights.Load();
        using var test = FashionMnist.Load(train: false);
        using var inputs = LeNet5.FashionMnist.Preset.Apply(test.Images);

        double accuracy = Trainer.Evaluate(model, inputs, test.Labels).Top1;

        accuracy.Should().BeApproximately(weights.Top1 / 100, 1e-9, "the stated accuracy is what the weights measure");
        accuracy.Should().BeGreaterThanOrEqualTo(0.89, "the target for the shipped weights");
    }

    [Fact]
    public void The_metadata_matches_the_embedded_file_and_the_model()
    {
        var weights = LeNet5.FashionMnist;
        using var stream = typeof(GalleryModel).Assembly.GetManifestResourceStream(weights.Resource)!;

        Convert.ToHexStringLower(SHA256.HashData(stream)).Should().Be(weights.Sha256);
        stream.Length.Should().Be(weights.Bytes);
        stream.Position = 0;
        using var scope = NewDisposeScope();
        long fileParameters = TorchSharp.PyBridge.Safetensors.LoadStateDict(stream).Values.Sum(t => t.numel());
        using var model = weights.Load();
        model.parameters().Sum(p => p.numel()).Should().Be(fileParameters).And.Be(weights.Parameters).And.Be(62_006);
        LeNet5.Info.Weights.Should().Contain(weights, "the registry lists the model's known weights");
        model.NumClasses.Should().Be(weights.Categories.Count);
        model.training.Should().BeFalse("ready to predict");
        weights.Recipe.Should().Contain("dotnet run --project samples/ModelGallery.Cli -- train");
    }

    [Fact]
    public void A_damaged_package_is_detected_by_the_hash()
    {
        var damaged = LeNet5.FashionMnist with { Sha256 = new string('0', 64) };

        FluentActions.Invoking(() => damaged.Load()).Should().Throw<InvalidDataException>().WithMessage("*SHA-256*expected 0000*damaged*");
    }

    [Fact]
    public void Missing_embedded_weights_are_named()
    {
        var missing = LeNet5.FashionMnist with { FileName = "nothing.safetensors" };

        FluentActions.Invoking(() => missing.Load()).Should().Throw<InvalidDataException>().WithMessage("*not embedded*");
    }

    [Fact]
    public void The_shipped_model_predicts_the_first_test_images_with_their_labels()
    {
        var weights = LeNet5.FashionMnist;
        using var model = weights.Load();
        using var test = FashionMnist.Load(train: false);
        using var scope = NewDisposeScope();

        var predictions = model.Predict(LeNet5.FashionMnist.Preset.Apply(test.Images.narrow(0, 0, 100)), topK: 3, labels: weights.Categories);

        predictions.Should().HaveCount(100);
        long[] labels = test.Labels.narrow(0, 0, 100).data<long>().ToArray();
        predictions.Where((p, i) => p[0].ClassIndex == labels[i]).Should().HaveCountGreaterThan(80);
        predictions[0][0].Label.Should().Be("Ankle boot");
    }
}
