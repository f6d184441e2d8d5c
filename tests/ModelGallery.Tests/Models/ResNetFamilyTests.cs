using ModelGallery.Modeling;
using ModelGallery.Models;
using static ModelGallery.Tests.TestTensors;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>
/// ResNet by block counts, as torchvision's <c>ResNet(block, layers)</c>: keys against torchvision 0.14's listings
/// (TestData), parameter counts against torchvision's <c>num_params</c> and PyTorch's count, bad counts refused.
/// </summary>
public sealed class ResNetFamilyTests
{
    public static TheoryData<int, string> Depths => new() { { 34, "resnet34" }, { 101, "resnet101" }, { 152, "resnet152" } };

    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(Depths))]
    public void Every_depth_of_table_1_has_torchvisions_keys_and_shapes(int depth, string listing)
    {
        using var model = new ResNet(depth, numClasses: 1000);

        Keys(model).Should().BeEquivalentTo(Torchvision(listing));
    }

    [Fact]
    public void Block_counts_build_the_networks_the_depths_name()
    {
        using var basic = new ResNet(ResNetBlock.Basic, [2, 2, 2, 2], numClasses: 1000);
        using var bottleneck = new ResNet(ResNetBlock.Bottleneck, [3, 4, 6, 3], numClasses: 1000);

        Keys(basic).Should().BeEquivalentTo(Torchvision("resnet18"));
        Keys(bottleneck).Should().BeEquivalentTo(Torchvision("resnet50"));
    }

    [Fact]
    public void The_onnx_import_network_2_2_2_3_has_torchvisions_keys_and_pytorchs_parameter_count()
    {
        using var model = new ResNet(ResNetBlock.Basic, [2, 2, 2, 3], numClasses: 10);

        Keys(model).Where(k => !k.Key.StartsWith("fc.", StringComparison.Ordinal)).Should()
            .BeEquivalentTo(Torchvision("resnet-basic-2-2-2-3").Where(k => !k.Key.StartsWith("fc.", StringComparison.Ordinal)));
        // sum(p.numel() for p in torchvision.models.resnet.ResNet(BasicBlock, [2, 2, 2, 3], num_classes=10).parameters())
        model.parameters().Sum(p => p.numel()).Should().Be(15_902_282);
    }

    [Theory]
    [InlineData(ResNetBlock.Basic, 4_910_922)]      // PyTorch: ResNet(BasicBlock, [1, 1, 1, 1], num_classes=10)
    [InlineData(ResNetBlock.Bottleneck, 8_036_426)] // PyTorch: ResNet(Bottleneck, [1, 1, 1, 1], num_classes=10)
    public void One_block_per_stage_counts_as_pytorch_and_runs(ResNetBlock block, long pytorchCount)
    {
        using var model = new ResNet(block, [1, 1, 1, 1], numClasses: 10);
        model.eval();
        using var scope = NewDisposeScope();

        model.parameters().Sum(p => p.numel()).Should().Be(pytorchCount);
        model.call(randn(2, 3, 32, 32, generator: new Generator(0).manual_seed(7))).shape.Should().Equal(2, 10);
    }

    [Theory]
    [Trait("Category", "Slow")]
    [MemberData(nameof(NewEntries))]
    public void The_new_torchvision_entries_fit_their_models(string name)
    {
        var weights = NewWeights.Single(w => w.Name == name);
        weights.FileName.Should().Be($"{weights.Model}-{weights.Sha256}.pth");
        weights.Top5.Should().BeGreaterThan(weights.Top1);

        using var model = weights.CreateModel();
        model.parameters().Sum(p => p.numel()).Should().Be(weights.Parameters, "torchvision's num_params for {0}", weights.TorchvisionName);
    }

    public static TheoryData<string> NewEntries => [.. NewWeights.Select(w => w.Name)];

    private static PretrainedWeights[] NewWeights =>
    [
        .. ResNet.ResNet34Info.Weights, .. ResNet.ResNet101Info.Weights, .. ResNet.ResNet152Info.Weights,
    ];

    [Fact]
    public void The_new_entries_default_to_torchvisions_default()
    {
        ResNet.ResNet34Info.Weights.Should().ContainSingle().Which.IsDefault.Should().BeTrue();
        foreach (var info in new[] { ResNet.ResNet101Info, ResNet.ResNet152Info })
        {
            info.Weights.Select(w => w.Tag).Should().Equal("imagenet1k-v2", "imagenet1k-v1");
            info.Weights.Select(w => w.IsDefault).Should().Equal(true, false);
            info.Weights[0].Preset.ResizeSize.Should().Be(232);
        }
    }

    [Fact]
    public void Three_stages_are_refused_naming_expected_and_received()
    {
        var build = () => new ResNet(ResNetBlock.Basic, [2, 2, 2]);

        build.Should().Throw<ArgumentException>().Where(e => e.ParamName == "layers")
            .WithMessage("*4 block counts*received 3: [2, 2, 2]*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_stage_without_blocks_is_refused_naming_the_stage(int count)
    {
        var build = () => new ResNet(ResNetBlock.Bottleneck, [3, 4, count, 3]);

        build.Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "layers")
            .WithMessage($"*at least 1 block*received {count} for layer3 in [3, 4, {count}, 3]*");
    }

    [Fact]
    public void Null_counts_an_unknown_block_and_an_unknown_depth_are_refused()
    {
        FluentActions.Invoking(() => new ResNet(ResNetBlock.Basic, null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new ResNet((ResNetBlock)7, [1, 1, 1, 1])).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("*Basic or Bottleneck; received 7*");
        FluentActions.Invoking(() => new ResNet(19)).Should().Throw<ArgumentOutOfRangeException>()
            .WithMessage("*one of 18, 34, 50, 101, 152; received 19*");
    }
}
