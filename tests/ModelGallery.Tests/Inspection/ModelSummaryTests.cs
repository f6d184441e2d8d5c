using System.Text.Json;
using ModelGallery.Inspection;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Models;
using ModelGallery.Tests.Readme;
using ModelGallery.Zoo;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Inspection;

[Collection(nameof(LargeModels))]
public sealed class ModelSummaryTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Rows_agree_with_independent_hooks(string model)
    {
        var live = LiveModel.Of(model);

        var summary = ModelSummary.Create(live.Model, batch: LiveModel.Batch);

        summary.Rows.Select(r => r.Name).Should().Equal(live.Model.Stages.Select(s => s.Name));
        summary.Rows.Select(r => string.Join("x", r.OutputShape)).Should().Equal(live.Stages.Select(s => string.Join("x", s.Output)));
        summary.Rows[0].InputShape.Should().Equal(LiveModel.Batch, live.Model.Input.Channels, live.Model.Input.Height, live.Model.Input.Width);
        summary.Rows.Sum(r => r.Parameters).Should().Be(summary.TotalParameters, "every parameter belongs to exactly one row");
        summary.Rows.Sum(r => r.Macs).Should().Be(summary.TotalMacs);
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void A_non_square_input_gives_each_row_the_live_models_output_shape(string model)
    {
        using var live = ModelZoo.Create(model);
        var (height, width) = FastPaths.NonSquare(live.Input);
        long[] input = [1, live.Input.Channels, height, width];
        var modules = live.named_modules().ToDictionary(m => m.name, m => m.module);
        var outputs = new Dictionary<string, long[]>();
        var hooks = live.Stages.Select(stage => ((TorchSharp.torch.nn.Module<Tensor, Tensor>)modules[stage.Modules[^1]]).register_forward_hook((_, _, output) =>
        {
            outputs[stage.Name] = output.shape;
            return output;
        })).ToList();
        live.eval();
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            live.call(zeros(input));
        }

        hooks.ForEach(hook => hook.remove());

        var summary = ModelSummary.Create(live, input);

        summary.Rows.Select(row => string.Join("x", row.OutputShape)).Should().Equal(live.Stages.Select(stage => string.Join("x", outputs[stage.Name])));
        summary.InputShape.Should().Equal(input);
    }

    [Fact]
    public void Lenet5_macs_match_the_hand_count()
    {
        // conv: out H·W·C × in C × k²; FC: in × out — 352,800 + 240,000 + 48,000 + 10,080 + 840
        using var live = new LeNet5();

        ModelSummary.Create(live).TotalMacs.Should().Be((28 * 28 * 6 * 3 * 25) + (10 * 10 * 16 * 6 * 25) + (400 * 120) + (120 * 84) + (84 * 10));
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Total_macs_match_the_readme_table_by_the_layer_formulas(string model)
    {
        var table = ReadmeDocument.Current.ArchitectureTable(ModelZoo.Get(model).DisplayName);
        long expected = ReadmeMacs.PerImage(table);

        ModelSummary.Create(LiveModel.Of(model).Model).TotalMacs.Should().Be(expected);
        ModelZoo.Get(model).Macs.Should().Be(expected, "the registry measures what the model costs");
    }

    [Fact]
    public void Vgg16_with_1000_classes_costs_torchvisions_published_15_47_giga_macs()
    {
        using var model = new Vgg16(numClasses: 1000);

        Math.Round(ModelSummary.Create(model).TotalMacs / 1e9, 2).Should().Be(15.47);
    }

    [Fact]
    public void Macs_and_activations_scale_with_the_batch()
    {
        using var model = new LeNet5();

        var one = ModelSummary.Create(model, batch: 1);
        var four = ModelSummary.Create(model, batch: 4);

        four.TotalMacs.Should().Be(4 * one.TotalMacs);
        four.ActivationSizeMB.Should().BeApproximately(4 * one.ActivationSizeMB, 1e-9);
        four.InputSizeMB.Should().BeApproximately(4 * 3 * 32 * 32 * 4 / 1e6, 1e-12);
    }

    [Fact]
    public void Sizes_and_frozen_parameters_are_totalled()
    {
        using var model = new LeNet5();
        foreach (var (name, parameter) in model.named_parameters().Where(p => p.name.StartsWith("conv", StringComparison.Ordinal)))
        {
            parameter.requires_grad = false;
        }

        var summary = ModelSummary.Create(model);

        summary.TotalParameters.Should().Be(62_006);
        summary.FrozenParameters.Should().Be(456 + 2_416);
        summary.TrainableParameters.Should().Be(62_006 - 456 - 2_416);
        summary.Rows.Single(r => r.Name == "conv1").TrainableParameters.Should().Be(0);
        summary.ParameterSizeMB.Should().BeApproximately(62_006 * 4 / 1e6, 1e-12);
        // Leaf outputs of one image: 6·28·28 + 6·14·14 (pool) + 6·14·14 (sigmoid) + 16·10·10 + 2·16·5·5 + 120 + 84 + 10 floats.
        long floats = (6 * 28 * 28) + (2 * 6 * 14 * 14) + (16 * 10 * 10) + (2 * 16 * 5 * 5) + 120 + 84 + 10;
        summary.ActivationSizeMB.Should().BeApproximately(floats * 4 / 1e6, 1e-12);
        summary.EstimatedTotalMB.Should().BeApproximately(summary.InputSizeMB + summary.ParameterSizeMB + summary.ActivationSizeMB, 1e-12);
    }

    [Fact]
    public void Leaf_depth_lists_every_leaf_in_call_order()
    {
        using var model = new LeNet5();

        var summary = ModelSummary.Create(model, leaves: true);

        summary.Rows.Select(r => r.Name).Should().Equal("conv1", "pool1.pool", "pool1.sigmoid", "conv2", "pool2.pool", "pool2.sigmoid", "fc1", "fc2", "fc3");
        summary.Rows.Select(r => r.Kind).Should().Equal("Conv2d", "MaxPool2d", "Sigmoid", "Conv2d", "MaxPool2d", "Sigmoid", "Linear", "Linear", "Linear");
        summary.Rows[0].Should().BeEquivalentTo(new { Kernel = new long[] { 5, 5 }, Stride = new long[] { 1, 1 }, Padding = new long[] { 0, 0 }, Filters = 6 });
        summary.Rows[2].Activation.Should().Be("sigmoid");
        summary.Rows[1].InputShape.Should().Equal(1, 6, 28, 28);
    }

    [Fact]
    public void Row_kinds_name_blocks_or_their_leaves()
    {
        var summary = ModelSummary.Create(LiveModel.Of("googlenet").Model);

        summary.Rows.Single(r => r.Name == "inception3a").Kind.Should().Be("InceptionBlock");
        summary.Rows.Single(r => r.Name == "conv1").Kind.Should().Be("ConvReLU");
        summary.Rows.Single(r => r.Name == "maxpool1").Should().BeEquivalentTo(new { Kernel = new long[] { 3, 3 }, Stride = new long[] { 2, 2 }, Padding = new long[] { 0, 0 }, Filters = (long?)null });
        ModelSummary.Create(LiveModel.Of("vgg16").Model).Rows[0].Kind.Should().Be("Conv2d+ReLU");
    }

    [Fact]
    public void A_users_own_module_gets_a_summary_of_its_children()
    {
        using var model = new TinyNet();

        var summary = ModelSummary.Create(model, [2, 1, 8, 8]);

        summary.ModelName.Should().Be(nameof(TinyNet));
        summary.Rows.Select(r => r.Name).Should().Equal("conv", "relu", "fc");
        summary.Rows.Select(r => string.Join("x", r.OutputShape)).Should().Equal("2x4x6x6", "2x4x6x6", "2x3");
        summary.TotalParameters.Should().Be((4 * 1 * 9) + 4 + (144 * 3) + 3);
        summary.TotalMacs.Should().Be((2 * 4 * 6 * 6 * 9) + (2 * 3 * 144));
    }

    [Fact]
    public void Hooks_are_removed_and_training_modes_restored()
    {
        using var model = new GoogLeNet();
        model.train();
        model.named_modules().Single(m => m.name == "dropout").module.eval(); // a mixed state must survive
        int hooksBefore = HookProbe.Count(model);

        ModelSummary.Create(model);

        HookProbe.Count(model).Should().Be(hooksBefore);
        model.training.Should().BeTrue();
        model.named_modules().Where(m => m.name != "dropout").Should().OnlyContain(m => m.module.training);
        model.named_modules().Single(m => m.name == "dropout").module.training.Should().BeFalse();
    }

    [Fact]
    public void Hooks_are_removed_and_training_modes_restored_when_the_forward_pass_throws()
    {
        using var model = new TinyNet(failInForward: true);
        model.train();

        FluentActions.Invoking(() => ModelSummary.Create(model, [1, 1, 8, 8])).Should().Throw<InvalidOperationException>().WithMessage("boom");

        HookProbe.Count(model).Should().Be(0);
        model.modules().Append(model).Should().OnlyContain(m => m.training);
    }

    [Fact]
    public void Hook_probe_sees_a_registered_hook()
    {
        using var model = new TinyNet();
        var handle = model.register_forward_hook((_, _, output) => output);

        HookProbe.Count(model).Should().Be(1);
        handle.remove();
        HookProbe.Count(model).Should().Be(0);
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Markdown_rendering_has_the_readme_columns_and_output_sizes(string model)
    {
        var summary = ModelSummary.Create(LiveModel.Of(model).Model);
        var readme = ReadmeDocument.Current.ArchitectureTable(ModelZoo.Get(model).DisplayName);

        var table = new ReadmeDocument(summary.ToMarkdown()).Tables(string.Empty).Single();

        table.Header.Should().Equal("Layer", "Kernel Size", "Number of Filter", "Stride", "Padding", "Activation Function", "Output Size", "Parameters", "MACs");
        table.Rows.Select(r => r[6]).Should().Equal(readme.Rows.Skip(1).Select(r => r[readme.Column("Output Size")]));
        table.Rows.Select(r => r[5]).Should().Equal(readme.Rows.Skip(1).Select(r => r[readme.Column("Activation Function")] == "softmax" ? "-" : r[readme.Column("Activation Function")]));
        var linear = table.Rows.Zip(readme.Rows.Skip(1)).Where(pair => pair.First[0].EndsWith("(Linear)", StringComparison.Ordinal)).ToList();
        linear.Should().NotBeEmpty();
        int kernel = readme.Header.ToList().FindIndex(header => header.StartsWith("Kernel Size", StringComparison.Ordinal));
        linear.Should().AllSatisfy(pair => pair.First[1].Should().Be(pair.Second[kernel].Split(' ')[0], "a fully connected row's Kernel Size is its number of units, as the README says"));
    }

    [Fact]
    public void Text_and_json_renderings_carry_rows_and_totals()
    {
        var summary = ModelSummary.Create(LiveModel.Of("alexnet").Model);

        string text = summary.ToText();
        using var json = JsonDocument.Parse(summary.ToJson());

        text.Should().Contain("conv1").And.Contain("fc8").And.Contain("Total parameters: 58,289,538").And.Contain("Total MACs: 1,131,168,288");
        json.RootElement.GetProperty("model").GetString().Should().Be("AlexNet");
        json.RootElement.GetProperty("rows").GetArrayLength().Should().Be(summary.Rows.Count);
        json.RootElement.GetProperty("totals").GetProperty("macs").GetInt64().Should().Be(1_131_168_288);
        json.RootElement.GetProperty("rows")[0].GetProperty("outputShape").EnumerateArray().Select(e => e.GetInt64()).Should().Equal(1, 96, 55, 55);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => ModelSummary.Create(model, batch: 0)).Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("batch");
        FluentActions.Invoking(() => ModelSummary.Create(model, [1, 0, 32, 32])).Should().Throw<ArgumentException>().WithMessage("*[1, 0, 32, 32]*");
        FluentActions.Invoking(() => ModelSummary.Create((GalleryModel)null!)).Should().Throw<ArgumentNullException>();
    }

    private sealed class TinyNet : nn.Module<Tensor, Tensor>
    {
        private readonly Conv2d conv = nn.Conv2d(1, 4, 3);
        private readonly ReLU relu = nn.ReLU();
        private readonly Linear fc = nn.Linear(4 * 6 * 6, 3);
        private readonly bool failInForward;

        public TinyNet(bool failInForward = false)
            : base(nameof(TinyNet))
        {
            this.failInForward = failInForward;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            var x = relu.call(conv.call(input));
            return failInForward ? throw new InvalidOperationException("boom") : fc.call(x.flatten(1));
        }
    }
}
