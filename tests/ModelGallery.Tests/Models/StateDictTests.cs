using ModelGallery.Models;
using static ModelGallery.Tests.TestTensors;

namespace ModelGallery.Tests.Models;

/// <summary>state_dict keys follow torchvision, checked against lists exported from torchvision 0.14 (TestData).</summary>
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
        var theirs = Torchvision("googlenet").ToDictionary(k => k.Key, k => k.Shape);

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

/// <summary>The torchvision variants load torchvision's state_dicts key for key.</summary>
public sealed class TorchvisionVariantStateDictTests
{
    [Fact]
    public void AlexNet_torchvision_variant_matches_torchvision_key_for_key_and_shape_for_shape()
    {
        using var model = new AlexNet(numClasses: 1000, variant: AlexNetVariant.Torchvision);

        Keys(model).Should().Equal(Torchvision("alexnet"));
    }

    [Fact]
    public void GoogLeNet_torchvision_variant_with_aux_matches_torchvision_key_for_key_and_shape_for_shape()
    {
        using var model = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision, auxClassifiers: true);

        // Same keys and shapes; only the order differs (our aux heads sit in call order, torchvision's after inception5b).
        Keys(model).Should().BeEquivalentTo(Torchvision("googlenet"));
    }

    [Fact]
    public void GoogLeNet_torchvision_variant_without_aux_has_torchvisions_keys_less_the_aux_heads()
    {
        using var model = new GoogLeNet(numClasses: 1000, variant: GoogLeNetVariant.Torchvision);

        Keys(model).Should().BeEquivalentTo(Torchvision("googlenet").Where(k => !k.Key.StartsWith("aux", StringComparison.Ordinal)));
    }
}
