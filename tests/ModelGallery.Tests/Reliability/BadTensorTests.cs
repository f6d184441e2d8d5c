using ModelGallery.Models;
using ModelGallery.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Reliability;

/// <summary>Inputs of the right shape but the wrong kind: dtype, device, NaN.</summary>
[Collection(nameof(LargeModels))]
public sealed class BadTensorTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Float64_int_and_bool_inputs_are_refused_naming_both_dtypes(string name)
    {
        using var model = ModelZoo.Create(name);
        using var scope = NewDisposeScope();
        long[] shape = [1, model.Input.Channels, model.Input.Height, model.Input.Width];

        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Int64, ScalarType.Bool })
        {
            FluentActions.Invoking(() => model.call(zeros(shape, dtype))).Should().Throw<ArgumentException>()
                .WithMessage($"{model.GetName()} expects Float32 input*received {dtype}*");
        }
    }

    [Fact]
    public void An_input_on_another_device_is_refused_naming_both_devices()
    {
        using var model = new ModelGallery.Models.LeNet5();
        using var scope = NewDisposeScope();

        FluentActions.Invoking(() => model.call(zeros([1, 3, 32, 32], device: new Device("meta")))).Should().Throw<ArgumentException>()
            .WithMessage("LeNet5 is on cpu* but the input is on meta*");
    }

    [Fact]
    public void A_model_converted_to_float64_takes_float64_input()
    {
        using var model = new ModelGallery.Models.LeNet5();
        model.to(float64);
        using var scope = NewDisposeScope();

        model.call(zeros([1, 3, 32, 32], float64)).dtype.Should().Be(ScalarType.Float64);
        FluentActions.Invoking(() => model.call(zeros(1, 3, 32, 32))).Should().Throw<ArgumentException>().WithMessage("*expects Float64 input*");
    }

    [Fact]
    public void The_dtype_check_follows_a_conversion_made_after_the_first_call()
    {
        // The check finds the weights' parameter once and reads it on every call: a stale dtype would refuse the
        // float64 input below and accept the float32 one.
        using var model = new ModelGallery.Models.LeNet5();
        model.eval();
        using var scope = NewDisposeScope();
        model.call(zeros(1, 3, 32, 32)).dtype.Should().Be(ScalarType.Float32);

        model.to(float64);
        model.UseChannelsLast(); // replaces every convolution weight, the checked one included

        model.call(zeros([1, 3, 32, 32], float64)).dtype.Should().Be(ScalarType.Float64);
        FluentActions.Invoking(() => model.call(zeros(1, 3, 32, 32))).Should().Throw<ArgumentException>().WithMessage("*expects Float64 input*");
    }

    [Fact]
    public void NaN_propagates_through_forward_and_is_refused_by_predict()
    {
        using var model = new ModelGallery.Models.LeNet5();
        model.eval();
        using var scope = NewDisposeScope();
        var images = zeros(2, 3, 32, 32);
        images[1, 0, 5, 5] = tensor(float.NaN);

        var logits = model.call(images);

        logits[0].isfinite().all().item<bool>().Should().BeTrue();
        logits[1].isnan().any().item<bool>().Should().BeTrue("forward does not check values: NaN propagates, as in PyTorch");
        FluentActions.Invoking(() => model.Predict(images)).Should().Throw<ArgumentException>().WithMessage("*NaN or infinite*");
        images[1, 0, 5, 5] = tensor(float.PositiveInfinity);
        FluentActions.Invoking(() => model.Predict(images)).Should().Throw<ArgumentException>().WithMessage("*NaN or infinite*");
    }

    [Fact]
    public void Null_arguments_are_named()
    {
        using var model = new ModelGallery.Models.LeNet5();

        FluentActions.Invoking(() => model.Predict(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("images");
        FluentActions.Invoking(() => ModelZoo.Create(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => ModelGallery.Weights.WeightsExtensions.LoadWeights(model, (string)null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => LeNet5.FashionMnist.Preset.Apply(null!)).Should().Throw<ArgumentNullException>();
        FluentActions.Invoking(() => new ModelGallery.Layers.InceptionBlock(3, null!)).Should().Throw<ArgumentNullException>();
    }
}
