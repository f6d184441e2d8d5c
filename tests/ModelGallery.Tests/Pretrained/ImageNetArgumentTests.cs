using ModelGallery.Data;
using ModelGallery.Models;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Pretrained;

/// <summary>Wrong values given to the image pipeline and the weights catalogue: a typed exception naming what was expected and what arrived.</summary>
public sealed class ImageNetArgumentTests : TempFolder
{
    private static ClassificationPreset Preset => ResNet.ResNet18ImageNet1K.Preset;

    [Fact]
    public void The_transforms_refuse_what_is_not_an_image()
    {
        using var scope = NewDisposeScope();
        FluentActions.Invoking(() => Preset.Apply(zeros([2, 40, 60], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*3-channel (RGB) or one-channel*[2, 40, 60]*");
        FluentActions.Invoking(() => Preset.Apply(zeros([40, 60], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*C×H×W or N×C×H×W*[40, 60]*");
        FluentActions.Invoking(() => Preset.Apply(zeros([3, 40, 60], ScalarType.Int32))).Should().Throw<ArgumentException>().WithMessage("*bytes or floats*Int32*");
        FluentActions.Invoking(() => Preset.Apply(null!)).Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("image");
        FluentActions.Invoking(() => ImageTransforms.ResizeShorterSide(zeros(3, 4, 4), 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*size*0*");
        FluentActions.Invoking(() => ImageTransforms.CenterCrop(zeros(3, 4, 4), 2, -1)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*width*-1*");
        FluentActions.Invoking(() => ImageTransforms.Normalize(zeros([3, 4, 4], ScalarType.Byte), ImageNet.Mean, ImageNet.Std)).Should().Throw<ArgumentException>().WithMessage("*floating-point*Byte*");
        FluentActions.Invoking(() => ImageTransforms.Normalize(zeros(3, 4, 4), ImageNet.Mean, [0.2, 0, 0.2])).Should().Throw<ArgumentException>().WithMessage("*positive std per channel (3)*0.2, 0, 0.2*");
        FluentActions.Invoking(() => ImageTransforms.Normalize(zeros(1, 4, 4), ImageNet.Mean, ImageNet.Std)).Should().Throw<ArgumentException>().WithMessage("*per channel (1)*");
    }

    [Fact]
    public void Decode_and_Classify_refuse_logits_and_images_that_do_not_fit()
    {
        using var scope = NewDisposeScope();
        var weights = ResNet.ResNet18ImageNet1K;
        FluentActions.Invoking(() => weights.Decode(zeros(2, 10))).Should().Throw<ArgumentException>().WithMessage("*N × 1000*[2, 10]*");
        var nan = zeros(1, 1000);
        nan[0, 3] = tensor(float.NaN);
        FluentActions.Invoking(() => weights.Decode(nan)).Should().Throw<ArgumentException>().WithMessage("*NaN*");
        FluentActions.Invoking(() => weights.Decode(zeros(1, 1000), topK: 0)).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*1 to 1000*received 0*");

        using var model = new ResNet(18, numClasses: 10);
        FluentActions.Invoking(() => weights.Classify(model, zeros([1, 3, 64, 64], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*one 3×H×W image*[1, 3, 64, 64]*");
        FluentActions.Invoking(() => weights.Classify(model, zeros([3, 64, 64], ScalarType.Byte))).Should().Throw<ArgumentException>().WithMessage("*10 classes but 1000 labels*");
    }

    [Fact]
    public void Loading_a_missing_or_wrong_file_names_it_and_builds_nothing_that_leaks()
    {
        string missing = Path.Combine(Folder, "resnet18-f37072fd.pth");
        FluentActions.Invoking(() => ResNet.ResNet18ImageNet1K.Load(missing)).Should().Throw<FileNotFoundException>().WithMessage($"*{missing}*");
        FluentActions.Invoking(() => ResNet.ResNet18ImageNet1K.Load(missing, verifyHash: false)).Should().Throw<FileNotFoundException>().WithMessage($"*{missing}*");

        string text = Path.Combine(Folder, "notes.pth");
        File.WriteAllText(text, "not a zip");
        FluentActions.Invoking(() => ResNet.ResNet18ImageNet1K.Load(text, verifyHash: false)).Should().Throw<ModelGallery.Weights.WeightsFileException>().WithMessage($"*{text}*");
    }
}
