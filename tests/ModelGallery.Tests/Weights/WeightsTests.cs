using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;
using TorchSharp;
using ModelGallery.Zoo;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

[Collection(nameof(LargeModels))]
public sealed class WeightsTests : TempFolder
{
    public static TheoryData<string, string> RoundTrips()
    {
        var data = new TheoryData<string, string>();
        foreach (string name in ModelZoo.Names)
        {
            data.Add(name, ".safetensors");
            data.Add(name, ".pt");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Save_then_load_is_bit_exact(string model, string extension)
    {
        // Random running statistics: fresh models' buffers (zeros and ones) would round-trip even if never copied.
        using var source = SensitiveModels.Create(model, seed: 3);
        using var target = ModelZoo.Create(model);
        string path = Path.Combine(Folder, model + extension);

        source.SaveWeights(path);
        var report = target.LoadWeights(path);

        report.IsComplete.Should().BeTrue();
        report.Loaded.Should().HaveCount(source.state_dict().Count);
        foreach (var (key, tensor) in source.state_dict())
        {
            TestTensors.Same(target.state_dict()[key], tensor).Should().BeTrue("'{0}' must round-trip bit for bit", key);
        }

        Directory.GetFiles(Folder).Should().Equal(path); // no temporary file left behind
    }

    [Fact]
    public void A_class_count_mismatch_is_reported_and_nothing_changes()
    {
        using var model = new LeNet5(numClasses: 3);
        var before = Snapshot(model);

        var error = FluentActions.Invoking(() => model.LoadWeights(Fixture.Path("lenet5.pt"))).Should().Throw<WeightsMismatchException>().Which;

        error.Report.Mismatched.Select(m => m.Key).Should().Equal("fc3.bias", "fc3.weight"); // sorted
        error.Message.Should().Contain("'fc3.weight' is Float32 [3, 84] in the model but Float32 [10, 84] in the file").And.Contain("LeNet5").And.Contain("2 problem(s)");
        Unchanged(model, before);
    }

    [Fact]
    public void Missing_and_unexpected_keys_are_all_listed()
    {
        string plain = Path.Combine(Folder, "plain.safetensors");
        using (var withoutAux = new GoogLeNet())
        {
            withoutAux.SaveWeights(plain);
        }

        using var withAux = new GoogLeNet(auxClassifiers: true);
        var before = Snapshot(withAux);
        var missing = FluentActions.Invoking(() => withAux.LoadWeights(plain)).Should().Throw<WeightsMismatchException>().Which.Report;
        Unchanged(withAux, before);

        string extraFile = Path.Combine(Folder, "extra.safetensors");
        using (var scope = NewDisposeScope())
        {
            var extra = withAux.state_dict().ToDictionary(e => e.Key, e => e.Value);
            extra["extra.weight"] = zeros(3);
            extra["inception3a.extra.bias"] = zeros(2);
            TorchSharp.PyBridge.Safetensors.SaveStateDict(extraFile, extra);
        }

        var unexpected = FluentActions.Invoking(() => withAux.LoadWeights(extraFile)).Should().Throw<WeightsMismatchException>().Which.Report;
        Unchanged(withAux, before);

        missing.Missing.Should().HaveCount(12).And.OnlyContain(k => k.StartsWith("aux", StringComparison.Ordinal));
        unexpected.Unexpected.Should().Equal("extra.weight", "inception3a.extra.bias");
        unexpected.Missing.Should().BeEmpty();
    }

    [Fact]
    public void Everything_but_the_classifier_loads_into_a_model_with_another_class_count()
    {
        using var model = new LeNet5(numClasses: 3);
        using var reference = new LeNet5();
        reference.LoadWeights(Fixture.Path("lenet5.safetensors"));
        var classifierBefore = model.state_dict()["fc3.weight"].clone();

        var report = model.LoadWeights(Fixture.Path("lenet5.safetensors"), LoadOptions.ExceptClassifier);

        report.Skipped.Should().BeEquivalentTo("fc3.weight", "fc3.bias");
        report.Loaded.Should().HaveCount(8);
        TestTensors.Same(model.state_dict()["conv1.weight"], reference.state_dict()["conv1.weight"]).Should().BeTrue();
        TestTensors.Same(model.state_dict()["fc3.weight"], classifierBefore).Should().BeTrue();
    }

    [Fact]
    public void A_non_strict_load_loads_what_matches_and_reports_the_rest()
    {
        string plain = Path.Combine(Folder, "plain.pt");
        using var source = new GoogLeNet();
        source.SaveWeights(plain);
        using var target = new GoogLeNet(auxClassifiers: true);

        var report = target.LoadWeights(plain, new LoadOptions { Strict = false });

        report.IsComplete.Should().BeFalse();
        report.Missing.Should().HaveCount(12);
        report.Loaded.Should().HaveCount(source.state_dict().Count);
        TestTensors.Same(target.state_dict()["fc.weight"], source.state_dict()["fc.weight"]).Should().BeTrue();
    }

    [Fact]
    public void Skipping_the_classifier_of_a_module_that_does_not_name_one_is_an_error()
    {
        using var linear = nn.Linear(2, 2);

        FluentActions.Invoking(() => linear.LoadWeights(Fixture.Path("lenet5.pt"), LoadOptions.ExceptClassifier))
            .Should().Throw<ArgumentException>().WithMessage("*SkipModules*");
    }

    [Fact]
    public void An_unknown_extension_asks_for_the_format()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => model.SaveWeights(Path.Combine(Folder, "weights.onnx"))).Should().Throw<ArgumentException>().WithMessage("*.safetensors, .pt, .pth or .bin*");
    }

    [Fact]
    public void A_failed_save_leaves_the_existing_file_whole()
    {
        string path = Path.Combine(Folder, "weights.safetensors");
        using (var good = new LeNet5())
        {
            good.SaveWeights(path);
        }

        byte[] before = File.ReadAllBytes(path);
        using var unsaveable = new ComplexBuffer();

        FluentActions.Invoking(() => unsaveable.SaveWeights(path)).Should().Throw<Exception>();

        File.ReadAllBytes(path).Should().Equal(before);
        Directory.GetFiles(Folder).Should().Equal(path);
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

    private static void Unchanged(nn.Module model, Dictionary<string, Tensor> before)
    {
        foreach (var (key, tensor) in model.state_dict())
        {
            TestTensors.Same(tensor, before[key]).Should().BeTrue("'{0}' must be as before the failed load", key);
        }
    }

    private sealed class ComplexBuffer : nn.Module
    {
        public ComplexBuffer()
            : base(nameof(ComplexBuffer))
        {
            register_buffer("z", zeros(4, dtype: ScalarType.ComplexFloat32));
        }
    }
}
