using ModelGallery.Tests.Readme;
using ModelGallery.Zoo;
using ModelGallery.Modeling;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Models;

/// <summary>Every model checks its input at the public boundary, naming itself, what it expects and what arrived.</summary>
[Collection(nameof(LargeModels))]
public sealed class BadInputTests
{
    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Wrong_rank_is_rejected(string model)
    {
        using var live = ModelZoo.Create(model);
        using var scope = NewDisposeScope();
        var input = zeros(live.Input.Channels, live.Input.Height, live.Input.Width);

        Reject(live, input, $"[{live.Input.Channels}, {live.Input.Height}, {live.Input.Width}]", "rank 3");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Wrong_channel_count_is_rejected(string model)
    {
        using var live = ModelZoo.Create(model);
        using var scope = NewDisposeScope();
        var input = zeros(2, 1, live.Input.Height, live.Input.Width);

        Reject(live, input, $"[2, 1, {live.Input.Height}, {live.Input.Width}]", "1 channels instead of 3");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Wrong_spatial_size_is_rejected(string model)
    {
        using var live = ModelZoo.Create(model);
        using var scope = NewDisposeScope();
        if (live.Input.MinSize is { } min)
        {
            // Models with adaptive pooling take other sizes, down to a minimum.
            Reject(live, zeros(2, 3, min - 1, min + 5), $"[2, 3, {min - 1}, {min + 5}]", $"below the minimum of {min}×{min}");
            live.eval();
            using var noGrad = no_grad();
            live.call(zeros(1, 3, min, min)).shape.Should().Equal(1, live.NumClasses);
            live.call(zeros(1, 3, live.Input.Height + 32, live.Input.Width)).shape.Should().Equal(1, live.NumClasses);
        }
        else
        {
            Reject(live, zeros(2, 3, live.Input.Height + 4, live.Input.Width), $"[2, 3, {live.Input.Height + 4}, {live.Input.Width}]", "pixels instead of");
        }
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Empty_batch_is_rejected(string model)
    {
        using var live = ModelZoo.Create(model);
        using var scope = NewDisposeScope();
        var input = zeros(0, 3, live.Input.Height, live.Input.Width);

        Reject(live, input, $"[0, 3, {live.Input.Height}, {live.Input.Width}]", "empty batch");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Null_input_is_rejected(string model)
    {
        using var live = ModelZoo.Create(model);

        live.Invoking(m => m.call(null!)).Should().Throw<ArgumentNullException>();
    }

    [Fact]
    public void A_disposed_input_is_named_as_disposed_on_every_entry_point()
    {
        using var model = new LeNet5();
        var input = zeros(1, 3, 32, 32);
        input.Dispose();

        foreach (var (entry, name) in new (Action, string)[] { (() => model.call(input), "input"), (() => model.ForwardFeatures(input), "input"), (() => model.Predict(input), "images") })
        {
            entry.Should().Throw<ObjectDisposedException>()
                .Where(e => e.ObjectName == name && e.Message.Contains("LeNet5", StringComparison.Ordinal) && e.Message.Contains("has been disposed", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_message_is_exact_for_one_case()
    {
        using var model = new LeNet5();
        using var scope = NewDisposeScope();

        model.Invoking(m => m.call(zeros(4, 1, 28, 28))).Should().Throw<ArgumentException>()
            .WithMessage("LeNet5 expects input of shape N×3×32×32 (batch × channels × height × width) but received [4, 1, 28, 28]: 1 channels instead of 3. (Parameter 'input')");
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Non_positive_class_count_is_rejected(string model)
    {
        string name = LiveModel.Of(model).Model.GetName(); // the shared model: building one here per check held ~1 GB until finalizers ran
        foreach (int classes in new[] { 0, -1 })
        {
            FluentActions.Invoking(() => ModelZoo.Create(model, new ModelOptions { NumClasses = classes }))
                .Should().Throw<ArgumentOutOfRangeException>()
                .Where(e => e.ParamName == "numClasses" && e.Message.Contains(name, StringComparison.Ordinal) && e.Message.Contains($"received {classes}", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(GalleryModels.Names), MemberType = typeof(GalleryModels))]
    public void Non_positive_input_channels_are_rejected(string model)
    {
        FluentActions.Invoking(() => ModelZoo.Create(model, new ModelOptions { InChannels = 0 }))
            .Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "inChannels" && e.Message.Contains("received 0", StringComparison.Ordinal));
    }

    [Fact]
    public void Dropout_for_LeNet5_which_has_none_is_rejected()
    {
        FluentActions.Invoking(() => ModelZoo.Create("lenet5", new ModelOptions { Dropout = 0.5 }))
            .Should().Throw<ArgumentException>().WithMessage("LeNet5 has no dropout*");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Dropout_outside_zero_to_one_is_rejected(double p)
    {
        FluentActions.Invoking(() => new AlexNet(dropout: p)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "dropout" && e.Message.Contains("AlexNet", StringComparison.Ordinal));
        FluentActions.Invoking(() => new Vgg16(dropout: p)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "dropout");
        FluentActions.Invoking(() => new GoogLeNet(dropout: p)).Should().Throw<ArgumentOutOfRangeException>().Where(e => e.ParamName == "dropout");
    }

    private static void Reject(GalleryModel model, Tensor input, string received, string reason)
    {
        var error = model.Invoking(m => m.call(input)).Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be("input");
        error.Message.Should().Contain(model.GetName())
            .And.Contain(model.Input.ToString())
            .And.Contain(received)
            .And.Contain(reason);
    }
}
