using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

public sealed class OnnxClassifierTests : TempFolder
{
    [Fact]
    public void Predictions_match_the_TorchSharp_model()
    {
        using var model = new LeNet5();
        model.eval();
        using var scope = NewDisposeScope();
        var images = randn(4, 3, 32, 32) * 3;
        string[] labels = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")];
        var expected = model.Predict(images, topK: 3, labels);

        using var onnx = new OnnxClassifier(model.ToOnnx(), threads: 1);
        var actual = onnx.Predict(images.data<float>().ToArray(), images.shape, topK: 3, labels);

        actual.Should().HaveCount(4);
        for (int image = 0; image < 4; image++)
        {
            actual[image].Select(p => p.ClassIndex).Should().Equal(expected[image].Select(p => p.ClassIndex));
            actual[image].Select(p => p.Label).Should().Equal(expected[image].Select(p => p.Label));
            actual[image].Zip(expected[image], (a, e) => Math.Abs(a.Probability - e.Probability)).Should().OnlyContain(d => d < 1e-5f);
        }
    }

    [Fact]
    public void Bad_input_is_refused_with_what_was_expected()
    {
        using var model = new LeNet5();
        using var onnx = new OnnxClassifier(model.ToOnnx());

        onnx.Input.Should().Be(new InputShape(3, 32, 32));
        FluentActions.Invoking(() => onnx.Run(new float[3072 + 5], [1, 3, 32, 32])).Should().Throw<ArgumentException>().WithMessage("*[1, 3, 32, 32] has 3,072 values, but 3,077 were given*");
        FluentActions.Invoking(() => onnx.Run([], [0, 3, 32, 32])).Should().Throw<ArgumentException>().WithMessage("*empty batch*");
        float[] nan = new float[3072];
        nan[17] = float.NaN;
        FluentActions.Invoking(() => onnx.Predict(nan, [1, 3, 32, 32])).Should().Throw<ArgumentException>().WithMessage("*NaN*");
        FluentActions.Invoking(() => onnx.Predict(new float[3072], [1, 3, 32, 32], topK: 11)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 10*received 11*");
        FluentActions.Invoking(() => onnx.Predict(new float[3072], [1, 3, 32, 32], labels: ["a"])).Should().Throw<ArgumentException>().WithMessage("*10 classes but 1 labels*");
    }

    [Fact]
    public void One_image_of_another_size_is_refused_not_read_as_several()
    {
        using var model = new LeNet5();
        using var onnx = new OnnxClassifier(model.ToOnnx());
        float[] image = new float[3 * 64 * 64]; // one 64×64 image holds as many values as four 32×32 ones

        FluentActions.Invoking(() => onnx.Predict(image, [1, 3, 64, 64])).Should().Throw<ArgumentException>()
            .WithMessage("*expects input of shape N×3×32×32*received [1, 3, 64, 64]: 64×64 pixels instead of 32×32*");
        FluentActions.Invoking(() => onnx.Predict(image, [1, 3, 32, 32])).Should().Throw<ArgumentException>()
            .WithMessage("*[1, 3, 32, 32] has 3,072 values, but 12,288 were given*");
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_refused()
    {
        string path = Path.Combine(Folder, "broken.onnx");
        File.WriteAllBytes(path, [1, 2, 3, 4]);

        FluentActions.Invoking(() => new OnnxClassifier(path)).Should().Throw<ArgumentException>().WithMessage("*could not load*broken.onnx*");
    }
}
