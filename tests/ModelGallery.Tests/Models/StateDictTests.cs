using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Zoo;
using static ModelGallery.Tests.TestTensors;

namespace ModelGallery.Tests.Models;

/// <summary>state_dict keys follow torchvision, checked against lists exported from torchvision 0.14 (TestData).</summary>
[Collection(nameof(LargeModels))]
public sealed class StateDictTests
{
    [Fact]
    public void Vgg16_matches_torchvision_key_for_key_and_shape_for_shape_at_1000_classes()
    {
        using var model = new Vgg16(numClasses: 1000);

        Keys(model).Should().Equal(Torchvision("vgg16"));
    }

    [Fact]
    public void Vgg16_differs_from_torchvision_only_in_the_class_count()
    {
        using var model = new Vgg16();
        var ours = Keys(model);
        var theirs = Torchvision("vgg16");

        ours.Select(k => k.Key).Should().Equal(theirs.Select(k => k.Key));
        ours.Where((k, i) => k != theirs[i]).Should().BeEquivalentTo(
            [("classifier.6.weight", "2x4096"), ("classifier.6.bias", "2")]);
    }

    [Fact]
    public void GoogLeNet_convolutions_carry_torchvisions_names()
    {
        using var model = new GoogLeNet(numClasses: 1000);
        var ours = Keys(model).ToDictionary(k => k.Key, k => k.Shape);
        var theirs = Torchvision("googlenet-torchvision").ToDictionary(k => k.Key, k => k.Shape);

        // torchvision's convolutions have no bias (batch norm follows them); ours have one and no batch norm.
        var ourWeights = ours.Keys.Where(k => k.EndsWith(".weight", StringComparison.Ordinal)).ToList();
        var theirWeights = theirs.Keys.Where(k => (k.EndsWith(".conv.weight", StringComparison.Ordinal) || k.StartsWith("fc.", StringComparison.Ordinal)) && !k.StartsWith("aux", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal)).ToList();
        ourWeights.Should().BeEquivalentTo(theirWeights);
        ours.Keys.Where(k => k.EndsWith(".bias", StringComparison.Ordinal)).Should().BeEquivalentTo(ourWeights.Select(k => k[..^".weight".Length] + ".bias"));

        // Every shape agrees except the paper's 5x5 convolutions, which torchvision makes 3x3 (pytorch/vision#906).
        var differing = ourWeights.Where(k => ours[k] != theirs[k]).ToList();
        differing.Should().OnlyContain(k => k.EndsWith(".branch3.1.conv.weight", StringComparison.Ordinal)).And.HaveCount(9);
        differing.Should().OnlyContain(k => ours[k].EndsWith("x5x5", StringComparison.Ordinal) && theirs[k].EndsWith("x3x3", StringComparison.Ordinal));
    }

    [Fact]
    public void LeNet5_keys_are_the_readme_row_names()
    {
        using var model = new LeNet5();

        Keys(model).Select(k => k.Key).Should().Equal(
            "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias");
    }

}

/// <summary>Every registered model with a torchvision listing (TestData/&lt;name&gt;.state_dict.txt) has its keys.</summary>
public sealed class TorchvisionStateDictTests
{
    private static IEnumerable<string> Listed => ModelZoo.Names.Where(name => File.Exists(RepoPaths.TestData($"{name}.state_dict.txt")));

    public static TheoryData<string> WithListings => [.. Listed];

    [Fact]
    public void Every_torchvision_compatible_model_has_a_listing()
    {
        Listed.Should().BeEquivalentTo(ModelZoo.Names.Where(name => name.EndsWith("-torchvision", StringComparison.Ordinal) || name.StartsWith("resnet", StringComparison.Ordinal) || name == "vgg16"));
    }

    [Theory]
    [MemberData(nameof(WithListings))]
    public void Keys_and_shapes_at_1000_classes_are_torchvisions_less_the_modules_it_builds_only_to_load(string name)
    {
        using var model = ModelZoo.Create(name, new ModelOptions { NumClasses = 1000 });
        string[] optional = [.. ((ModelGallery.Weights.IWeightsLayout)model).OptionalModules];
        var theirs = Torchvision(name).Where(k => !optional.Any(prefix => k.Key.StartsWith(prefix + ".", StringComparison.Ordinal))).ToList();

        Keys(model).Should().BeEquivalentTo(theirs, "{0} loads torchvision's state_dict key for key (TorchSharp lists parameters before buffers, PyTorch module by module)", name);
    }

    [Fact]
    public void GoogLeNet_torchvision_variant_with_aux_has_every_key_of_torchvisions_file()
    {
        using var model = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);

        // Same keys and shapes; only the order differs (our aux heads sit in call order, torchvision's after inception5b).
        Keys(model).Should().BeEquivalentTo(Torchvision("googlenet-torchvision"));
    }
}
