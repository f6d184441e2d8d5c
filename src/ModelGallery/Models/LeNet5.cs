using ModelGallery.Modeling;
using ModelGallery.Data;
using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// LeNet-5, from "Gradient-based learning applied to document recognition" (LeCun, Bottou, Bengio and Haffner,
/// 1998), as the README's table gives it: 3×32×32 input, two convolution + max-pool stages with a sigmoid after
/// each pool, and three fully connected layers.
/// </summary>
/// <remarks>
/// Deviations from the paper, as the README table (and the earlier gallery) state them: max-pooling instead of
/// trainable sub-sampling, full connections between C3 and S2 instead of the paper's sparse table, plain linear
/// layers instead of the RBF output, and no activation after FC120 and FC84 because the table lists none.
/// State-dict keys take their names from the README rows: <c>conv1</c>, <c>pool1</c>, <c>conv2</c>, <c>pool2</c>,
/// <c>fc1</c>, <c>fc2</c>, <c>fc3</c>.
/// </remarks>
public sealed class LeNet5 : GalleryModel
{
    /// <summary>The class count when none is given: the ten digits of the paper.</summary>
    private const int DefaultClasses = 10;

    private const int Size = 32;

    private Conv2d conv1 = null!;
    private Sequential pool1 = null!;
    private Conv2d conv2 = null!;
    private Sequential pool2 = null!;
    private Linear fc1 = null!;
    private Linear fc2 = null!;
    private Linear fc3 = null!;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the 32×32 input.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numClasses"/> or <paramref name="inChannels"/> is not positive.</exception>
    /// <exception cref="InsufficientMemoryException">The layers do not fit in memory.</exception>
    public LeNet5(int numClasses = DefaultClasses, int inChannels = 3)
        : base(nameof(LeNet5), new InputShape(inChannels, Size, Size), numClasses)
    {
        Build(() =>
        {
            conv1 = Layer.Conv(inChannels, new ConvSpec(Filters: 6, Kernel: 5));
            pool1 = PoolSigmoid();
            conv2 = Layer.Conv(6, new ConvSpec(Filters: 16, Kernel: 5));
            pool2 = PoolSigmoid();
            fc1 = Layer.Dense(16 * 5 * 5, 120);
            fc2 = Layer.Dense(120, 84);
            fc3 = Layer.Dense(84, numClasses);
            RegisterComponents();
            Stages = [.. named_children().Select(child => new ModelStage(child.name, [child.name]))];
            ClassifierModules = [nameof(fc3)];
        });
    }

    /// <summary>
    /// Trained on Fashion-MNIST and shipped in the package: 90.08 % top-1 on the 10,000 test images. Its preset takes
    /// decoded 28×28 image files and Fashion-MNIST's N × 1 × 28 × 28 IDX bytes alike, to the same input: scale to [0, 1],
    /// pad 28 → 32 with background, normalise with the training set's mean 0.2860 and std 0.3530, repeat to 3 channels.
    /// </summary>
    public static PretrainedWeights<LeNet5> FashionMnist { get; } = new(classes => new LeNet5(classes))
    {
        Model = "lenet5", Tag = "fashion-mnist", IsDefault = true,
        FileName = "lenet5-fashion-mnist.safetensors", Sha256 = "fe652f65296043cee664ba5f79963c03043b95c1b51564284b0ba90450a3b6fa", Bytes = 248_767,
        Preset = new ClassificationPreset(ResizeSize: 28, CropSize: 32, Mean: [0.2860, 0.2860, 0.2860], Std: [0.3530, 0.3530, 0.3530]), Categories = Data.FashionMnist.ClassNames, Dataset = "Fashion-MNIST",
        Top1 = 90.08, Parameters = 62_006, MinSize = Size,
        Recipe = "Adam, learning rate 0.002 decayed to 0 along a half cosine over 40 epochs, batch 128, cross-entropy, " +
                 "no augmentation, seed 1, 2 threads, on the 60,000 training images preprocessed with this preset. " +
                 "Reproduce with: dotnet run --project samples/ModelGallery.Cli -- train --epochs 40 --lr 0.002 --cosine",
    };

    /// <summary>The registry's entry: <c>lenet5</c> (declared after the weights it lists, which it reads).</summary>
    public static ModelInfo Info { get; } = new(
        "lenet5", "LeNet-5",
        new Paper("Gradient-based learning applied to document recognition", "LeCun, Bottou, Bengio and Haffner", 1998, new Uri("http://yann.lecun.com/exdb/publis/pdf/lecun-01a.pdf")),
        new InputShape(3, Size, Size), DefaultClasses, new(Parameters: 62_006, Macs: 651_720),
        options => options.Dropout is { } dropout
            ? throw new ArgumentException($"LeNet5 has no dropout; received Dropout = {dropout}.", nameof(options))
            : new LeNet5(options.NumClasses ?? DefaultClasses, options.InChannels),
        weights: [FashionMnist]);

    private protected override Tensor ForwardFeatureRows(Tensor input)
    {
        Tensor x = conv1.call(input); // N x 6 x 28 x 28
        x = pool1.call(x);            // N x 6 x 14 x 14
        x = conv2.call(x);            // N x 16 x 10 x 10
        x = pool2.call(x);            // N x 16 x 5 x 5
        x = x.flatten(1);             // N x 400
        x = fc1.call(x);              // N x 120
        return fc2.call(x);           // N x 84
    }

    private protected override Tensor ForwardHeadRows(Tensor features) => fc3.call(features); // N x numClasses

    private static Sequential PoolSigmoid() =>
        nn.Sequential(("pool", Layer.MaxPool(new PoolSpec(Kernel: 2, Stride: 2))), ("sigmoid", nn.Sigmoid()));
}
