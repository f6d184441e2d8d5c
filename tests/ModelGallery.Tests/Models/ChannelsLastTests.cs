using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>The channels-last fast path computes what the plain NCHW path computes.</summary>
[Collection(nameof(LargeModels))]
public sealed class ChannelsLastTests : TempFolder
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Outputs_equal_the_plain_layout(string name) =>
        // The layouts sum in different orders: float32 rounding, ~1e-6 of the logit scale; a wrong stride is far more.
        FastPaths.Compare(name, model => model.UseChannelsLast(), relativeTolerance: 1e-4, (plain, fast) =>
        {
            fast.ChannelsLast.Should().BeTrue();
            plain.ChannelsLast.Should().BeFalse();
            var convolutions = fast.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Conv2d>().ToList();
            convolutions.Should().NotBeEmpty().And.OnlyContain(conv => IsChannelsLast(conv.weight!), "every convolution weight is converted");
            plain.named_modules().Select(m => m.module).OfType<TorchSharp.Modules.Conv2d>().Should().OnlyContain(conv => !IsChannelsLast(conv.weight!));
        });

    [Fact]
    public void Training_steps_and_gradients_equal_the_plain_layout()
    {
        // float64, so that the comparison sees layout mistakes and not float32 rounding in the vanishing early gradients.
        using var plain = new GoogLeNet(numClasses: 3);
        using var fast = new GoogLeNet(numClasses: 3);
        plain.to(ScalarType.Float64);
        fast.to(ScalarType.Float64);
        fast.load_state_dict(plain.state_dict());
        fast.UseChannelsLast();
        using var scope = NewDisposeScope();
        var images = randn([2, 3, 224, 224], ScalarType.Float64);
        var labels = tensor(new long[] { 0, 2 });

        foreach (var model in new GalleryModel[] { plain, fast })
        {
            model.eval(); // dropout off: the two models must see the same function
            nn.functional.cross_entropy(model.call(images), labels).backward();
        }

        var plainGradients = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (key, parameter) in fast.named_parameters())
        {
            // Summation order differs between layouts: compare against each gradient's own scale.
            var expected = plainGradients[key];
            double difference = (parameter.grad! - expected).abs().max().item<double>();
            difference.Should().BeLessThanOrEqualTo((1e-8 * expected.abs().max().item<double>()) + 1e-15, key);
        }
    }

    [Fact]
    public void A_channels_last_model_trains_with_an_optimizer_like_the_plain_one()
    {
        using var plain = new LeNet5();
        using var fast = new LeNet5();
        fast.load_state_dict(plain.state_dict());
        fast.UseChannelsLast();
        var generator = new Generator(5);
        using var scope = NewDisposeScope();
        var images = randn([8, 3, 32, 32], generator: generator);
        var labels = randint(0, 10, [8], generator: generator);

        foreach (var model in new GalleryModel[] { plain, fast })
        {
            model.train();
            using var optimizer = optim.SGD(model.parameters(), 0.1, momentum: 0.9);
            for (int step = 0; step < 3; step++)
            {
                using var stepScope = NewDisposeScope();
                optimizer.zero_grad();
                nn.functional.cross_entropy(model.call(images), labels).backward();
                optimizer.step();
            }
        }

        foreach (var (key, value) in fast.state_dict())
        {
            value.allclose(plain.state_dict()[key], rtol: 1e-4, atol: 1e-6).Should().BeTrue(key);
        }

        IsChannelsLast(FirstConvWeight(fast)).Should().BeTrue("optimizer steps update the weights in place");
    }

    [Fact]
    public void Weights_saved_channels_last_load_into_a_plain_model_and_back()
    {
        using var fast = new AlexNet(numClasses: 4);
        fast.UseChannelsLast();
        using var plain = new AlexNet(numClasses: 4);
        using var again = new AlexNet(numClasses: 4);
        again.UseChannelsLast();
        string path = Path.Combine(Folder, "alexnet.safetensors");

        fast.SaveWeights(path);
        plain.LoadWeights(path);
        plain.SaveWeights(Path.Combine(Folder, "plain.safetensors"));
        again.LoadWeights(Path.Combine(Folder, "plain.safetensors"));

        foreach (var (key, value) in fast.state_dict())
        {
            TestTensors.Same(plain.state_dict()[key], value).Should().BeTrue(key);
            TestTensors.Same(again.state_dict()[key], value).Should().BeTrue(key);
        }

        IsChannelsLast(FirstConvWeight(again)).Should().BeTrue("loading copies into the channels-last weights");
    }

    private static TorchSharp.Modules.Parameter FirstConvWeight(GalleryModel model) =>
        model.modules().OfType<TorchSharp.Modules.Conv2d>().First().weight!;

    private static bool IsChannelsLast(Tensor t)
    {
        long[] shape = t.shape, stride = t.stride();
        return stride[1] == 1 && stride[3] == shape[1] && stride[2] == shape[1] * shape[3];
    }
}
