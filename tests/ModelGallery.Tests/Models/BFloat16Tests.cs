using ModelGallery.Data;
using ModelGallery.Models;
using ModelGallery.Training;
using ModelGallery.Weights;
using ModelGallery.Zoo;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>bfloat16 inference: an opt-in that keeps float32 in and out and stays close to float32.</summary>
[Collection(nameof(LargeModels))]
public sealed class BFloat16Tests(ITestOutputHelper output) : TempFolder
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Logits_stay_close_to_float32_and_come_back_as_float32(string name) =>
        // bfloat16 keeps 8 mantissa bits (0.4 % per rounding); through a deep network the logits move by 0.6–2.2 % of
        // their scale (measured: 8–39 % of what another image moves them by). Required: less than half of that.
        FastPaths.Compare(name, model => model.UseBFloat16(), relativeTolerance: 0.02, ofMovement: 0.5, check: (_, fast) =>
        {
            fast.BFloat16.Should().BeTrue();
            fast.parameters().Should().OnlyContain(p => p.dtype == ScalarType.BFloat16);
        });

    [Fact]
    public void bfloat16_input_is_refused_with_what_is_expected()
    {
        using var model = new LeNet5();
        model.UseBFloat16();
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => model.call(randn(1, 3, 32, 32).to(ScalarType.BFloat16)))
            .Should().Throw<ArgumentException>().WithMessage("*expects Float32 input (it computes in bfloat16 but takes float32 images)*BFloat16*");
        FluentActions.Invoking(() => model.UseBFloat16()).Should().NotThrow("the switch is idempotent");
    }

    [Fact]
    public void Float32_weights_are_refused_by_a_bfloat16_model_and_leave_it_as_it_was()
    {
        string path = Path.Combine(Folder, "lenet5.safetensors");
        using (var source = new LeNet5())
        {
            source.SaveWeights(path);
        }

        using var model = new LeNet5();
        model.UseBFloat16();
        using var before = model.modules().OfType<TorchSharp.Modules.Conv2d>().First().weight!.detach().clone();

        FluentActions.Invoking(() => model.LoadWeights(path)).Should().Throw<WeightsMismatchException>().WithMessage("*BFloat16*Float32*");
        TestTensors.Same(model.modules().OfType<TorchSharp.Modules.Conv2d>().First().weight!.detach(), before).Should().BeTrue();
    }

    [Fact]
    public void Channels_last_and_bfloat16_combine_in_either_order()
    {
        using var first = new GoogLeNet();
        using var second = new GoogLeNet();
        first.UseChannelsLast().UseBFloat16();
        second.UseBFloat16().UseChannelsLast();

        foreach (var model in new[] { first, second })
        {
            var weight = model.modules().OfType<TorchSharp.Modules.Conv2d>().First().weight!;
            weight.dtype.Should().Be(ScalarType.BFloat16);
            weight.stride(1).Should().Be(1, "the weights stay channels-last");
        }

        using var float64 = new LeNet5();
        float64.to(ScalarType.Float64);
        FluentActions.Invoking(() => float64.UseBFloat16()).Should().Throw<InvalidOperationException>().WithMessage("*float32 model*Float64*");
    }

    [Fact]
    public void The_shipped_LeNet5_loses_little_accuracy_in_bfloat16()
    {
        var weights = LeNet5.FashionMnist;
        using var model = weights.Load();
        using var test = FashionMnist.Load(train: false);
        using var scope = NewDisposeScope();
        var inputs = LeNet5.FashionMnist.Preset.Apply(test.Images);
        double float32 = Trainer.Evaluate(model, inputs, test.Labels).Top1;
        Tensor float32Classes;
        using (inference_mode())
        {
            model.eval();
            float32Classes = model.call(inputs).argmax(1);
        }

        model.UseBFloat16();
        double bfloat16 = Trainer.Evaluate(model, inputs, test.Labels).Top1;
        double agreement;
        using (inference_mode())
        {
            agreement = model.call(inputs).argmax(1).eq(float32Classes).to(ScalarType.Float64).mean().item<double>();
        }

        output.WriteLine($"Fashion-MNIST test accuracy: float32 {float32:P2}, bfloat16 {bfloat16:P2}; same class for {agreement:P2} of the images");
        float32.Should().BeApproximately(weights.Top1 / 100, 1e-9);
        Math.Abs(bfloat16 - float32).Should().BeLessThan(0.005, "within half a percentage point");
        agreement.Should().BeGreaterThan(0.99);
    }
}
