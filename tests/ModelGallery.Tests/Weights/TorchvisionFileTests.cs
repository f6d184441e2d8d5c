using ModelGallery.Models;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>Valid files as PyTorch and torchvision write them, which must load exactly as PyTorch loads them.</summary>
public sealed class TorchvisionFileTests : TempFolder
{
    [Theory]
    [InlineData("lenet5-channels-last.pt")] // convolution weights saved channels-last: non-contiguous
    [InlineData("lenet5-shared-storage.pt")] // every tensor a view into one storage, at an offset; 2-D ones transposed
    public void Torch_save_views_load_bit_exact(string file)
    {
        using var expected = new LeNet5();
        expected.LoadWeights(Fixture.Path("lenet5.safetensors"));
        using var model = new LeNet5();

        var report = model.LoadWeights(Fixture.Path(file));

        report.IsComplete.Should().BeTrue();
        report.Loaded.Should().HaveCount(10);
        foreach (var (key, tensor) in expected.state_dict())
        {
            TestTensors.Same(model.state_dict()[key], tensor).Should().BeTrue("'{0}' of {1} must equal the contiguous file's", key, file);
        }
    }

    [Fact]
    public void A_torchvision_googlenet_file_with_aux_heads_loads_into_a_model_without_them()
    {
        // torchvision builds googlenet with aux_logits=True before its strict load, so its file holds the aux heads.
        string file = Path.Combine(Folder, "googlenet-aux.pth");
        using (var withAux = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true))
        {
            withAux.SaveWeights(file);
        }

        string[] auxKeys = [.. TestTensors.Torchvision("googlenet-torchvision").Select(k => k.Key).Where(k => k.StartsWith("aux", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        auxKeys.Should().HaveCount(20, "torchvision's listing has ten keys per auxiliary head");
        using var model = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, transformInput: true);

        var report = model.LoadWeights(file);

        report.IsComplete.Should().BeTrue();
        report.Skipped.Should().Equal(auxKeys);
        report.Loaded.Should().HaveCount(model.state_dict().Count);
        report.ToString().Should().StartWith($"{model.state_dict().Count} loaded, 20 skipped, 0 missing, 0 unexpected, 0 mismatched").And.Contain("skipped: 'aux1.conv.conv.weight'");

        using var twoClasses = new GoogLeNet(numClasses: 2, variant: GoogLeNetVariant.Torchvision);
        var fineTuning = twoClasses.LoadWeights(file, LoadOptions.ExceptClassifier);
        fineTuning.Skipped.Should().Equal([.. auxKeys.Concat(["fc.bias", "fc.weight"]).Order(StringComparer.Ordinal)]);
    }

    [Fact]
    public void Everything_but_the_aux_heads_stays_strict()
    {
        string file = Path.Combine(Folder, "googlenet.pth");
        using (var plain = new GoogLeNet(variant: GoogLeNetVariant.Torchvision))
        {
            plain.SaveWeights(file);
        }

        using var withAux = new GoogLeNet(variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);
        FluentActions.Invoking(() => withAux.LoadWeights(file)).Should().Throw<WeightsMismatchException>()
            .Which.Report.Missing.Should().HaveCount(20, "a model that has aux heads needs their weights");

        string paper = Path.Combine(Folder, "paper-aux.pth");
        using (var paperAux = new GoogLeNet(auxClassifiers: true))
        {
            paperAux.SaveWeights(paper);
        }

        using var model = new GoogLeNet(variant: GoogLeNetVariant.Torchvision);
        FluentActions.Invoking(() => model.LoadWeights(paper)).Should().Throw<WeightsMismatchException>()
            .Which.Report.Unexpected.Should().NotBeEmpty("the paper variant's other layers do not fit, aux or not");
    }

    [Fact]
    public void Messages_list_keys_sorted()
    {
        string file = Path.Combine(Folder, "lenet5.safetensors");
        using (var source = new LeNet5(numClasses: 4))
        {
            source.SaveWeights(file);
        }

        using var model = new LeNet5();
        var error = FluentActions.Invoking(() => model.LoadWeights(file)).Should().Throw<WeightsMismatchException>().Which;

        error.Report.Mismatched.Select(m => m.Key).Should().Equal("fc3.bias", "fc3.weight");
        error.Message.IndexOf("'fc3.bias'", StringComparison.Ordinal).Should().BeLessThan(error.Message.IndexOf("'fc3.weight'", StringComparison.Ordinal));
    }
}
