using ModelGallery.Zoo;
using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Sensitivity;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

[Collection(nameof(LargeModels))]
public sealed class ModelTests
{
    [Theory]
    [MemberData(nameof(IndependentCounts.Names), MemberType = typeof(IndependentCounts))]
    public void Parameter_count_at_default_settings_matches_the_independent_count(string model)
    {
        using var live = ModelZoo.Create(model);

        live.parameters().Sum(p => p.numel()).Should().Be(IndependentCounts.Parameters(model));
        ModelZoo.Get(model).Parameters.Should().Be(IndependentCounts.Parameters(model), "the registry measures what the model has");
    }

    [Fact]
    public void Vgg16_with_1000_classes_has_torchvisions_parameter_count()
    {
        using var model = new Vgg16(numClasses: 1000);

        model.parameters().Sum(p => p.numel()).Should().Be(138_357_544);
    }

    [Fact]
    public void LeNet5_parameters_by_hand()
    {
        // conv1 3·6·5·5+6, conv2 6·16·5·5+16, fc1 400·120+120, fc2 120·84+84, fc3 84·10+10
        long expected = (3 * 6 * 25 + 6) + (6 * 16 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);
        using var model = new LeNet5();

        model.parameters().Sum(p => p.numel()).Should().Be(expected);
    }

    [Theory]
    [MemberData(nameof(BatchCases))]
    public void Forward_gives_finite_logits_for_each_image(string model, int batch)
    {
        using var live = ModelZoo.Create(model);
        live.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var logits = live.call(randn(batch, live.Input.Channels, live.Input.Height, live.Input.Width));

        logits.shape.Should().Equal(batch, live.NumClasses);
        logits.isfinite().all().item<bool>().Should().BeTrue();
    }

    public static TheoryData<string, int> BatchCases()
    {
        var data = new TheoryData<string, int>();
        foreach (string model in ModelZoo.Names)
        {
            data.Add(model, 1);
            data.Add(model, 3);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Eval_mode_is_deterministic_and_images_are_independent(string model)
    {
        using var live = SensitiveModels.Create(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (height, width) = FastPaths.NonSquare(live.Input);
        // Its own generator: the global one is reseeded by trainers that other tests run at the same time.
        using var generator = new Generator(67);
        var images = randn([2, live.Input.Channels, height, width], generator: generator);
        double scale = SensitiveModels.Check(live, images[0..1], images[1..2], relativeTolerance: 1e-5);

        var both = live.call(images);
        var first = live.call(images[0..1]);

        ((both[0..1] - first).abs().max().item<float>() / scale).Should().BeLessThan(1e-5, "an image's logits do not depend on the others in its batch");
        live.call(images).equal(both).all().item<bool>().Should().BeTrue("eval mode is deterministic");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Class_count_and_input_channels_are_options(string model)
    {
        // Different for every model, and never the defaults: 3 to 9 classes, 1 or 4 channels.
        int classes = 3 + (ModelZoo.Names.ToList().IndexOf(model) % 7), channels = model.Length % 2 == 0 ? 1 : 4;
        using GalleryModel live = ModelZoo.Create(model, new ModelOptions { NumClasses = classes, InChannels = channels });
        live.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        live.call(randn(1, channels, live.Input.Height, live.Input.Width)).shape.Should().Equal(1, classes);
        live.Input.Channels.Should().Be(channels);
        live.NumClasses.Should().Be(classes);
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void The_classifier_maps_features_to_the_classes_and_is_what_LoadOptions_ExceptClassifier_skips(string model)
    {
        using GalleryModel live = ModelZoo.Create(model, new ModelOptions { NumClasses = 7 });

        live.Classifier.out_features.Should().Be(7);
        live.state_dict()[$"{live.ClassifierModules[0]}.weight"].shape.Should().Equal(7, live.Classifier.in_features);
    }

    [Fact]
    public void Dropout_rates_are_options()
    {
        using var alexNet = new AlexNet(dropout: 0.3);
        using var vgg = new Vgg16(dropout: 0.2);
        using var googLeNet = new GoogLeNet(dropout: 0.1);

        Rates(alexNet).Should().Equal(0.3, 0.3);
        Rates(vgg).Should().Equal(0.2, 0.2);
        Rates(googLeNet).Should().Equal(0.1);

        static IEnumerable<double> Rates(nn.Module model) =>
            model.modules().OfType<TorchSharp.Modules.Dropout>().Select(d => d.p);
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Forward_hooks_fire_on_every_submodule(string model)
    {
        using var live = ModelZoo.Create(model);
        live.eval();
        var fired = new HashSet<string>();
        var hooks = live.named_modules()
            .Where(m => m.name.Length > 0 && m.module is nn.Module<Tensor, Tensor>)
            .Select(m => ((nn.Module<Tensor, Tensor>)m.module).register_forward_hook((_, _, output) =>
            {
                fired.Add(m.name);
                return output;
            }))
            .ToList();
        using (var scope = NewDisposeScope())
        using (var noGrad = no_grad())
        {
            live.call(zeros(1, live.Input.Channels, live.Input.Height, live.Input.Width));
        }

        hooks.ForEach(h => h.remove());
        fired.Should().BeEquivalentTo(live.named_modules().Where(m => m.name.Length > 0).Select(m => m.name));
    }
}
