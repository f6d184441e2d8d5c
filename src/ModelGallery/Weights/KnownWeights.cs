using ModelGallery.Data;

namespace ModelGallery.Weights;

/// <summary>The weights shipped inside the package; no download needed.</summary>
public static class KnownWeights
{
    /// <summary>
    /// LeNet-5 (the README's table, 3 input channels) trained on Fashion-MNIST: 90.08 % top-1 on the 10,000 test
    /// images. Feed it images preprocessed with <see cref="ImagePreprocessing.FashionMnistLeNet5"/>.
    /// </summary>
    public static PretrainedWeights LeNet5FashionMnist { get; } = new(
        Name: "lenet5-fashion-mnist",
        Model: "lenet5",
        ClassNames: FashionMnist.ClassNames,
        Preprocessing: ImagePreprocessing.FashionMnistLeNet5,
        TestAccuracy: 0.9008,
        Recipe: "Adam, learning rate 0.002 decayed to 0 along a half cosine over 40 epochs, batch 128, cross-entropy, " +
                "no augmentation, seed 1, 2 threads, on the 60,000 training images preprocessed with FashionMnistLeNet5. " +
                "Reproduce with: dotnet run --project samples/ModelGallery.Cli -- train --epochs 40 --lr 0.002 --cosine",
        Sha256: "fe652f65296043cee664ba5f79963c03043b95c1b51564284b0ba90450a3b6fa",
        NumParams: 62_006,
        Resource: "ModelGallery.Weights.Pretrained.lenet5-fashion-mnist.safetensors");
}
