using ModelGallery.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// AlexNet, from "ImageNet Classification with Deep Convolutional Neural Networks" (Krizhevsky, Sutskever and
/// Hinton, 2012), as a single tower: 3×227×227 input, five convolutions with local response normalisation after
/// the first two, three max-pools, and three fully connected layers with dropout before the two hidden ones.
/// </summary>
/// <remarks>
/// The paper splits every layer across two GPUs; this single tower has the paper's total filter counts.
/// Submodules are laid out as torchvision lays out its AlexNet (<c>features</c>, <c>classifier</c>), with the
/// paper's two LRN layers added to <c>features</c>; torchvision's own variant (64/192/384/256/256 filters, no LRN)
/// differs, so its weights do not fit this network.
/// </remarks>
public sealed class AlexNet : GalleryModel
{
    /// <summary>The paper's normalisation: size 5, α = 1e-4, β = 0.75, k = 2.</summary>
    public static LrnSpec PaperLrn { get; } = new(Size: 5, Alpha: 1e-4, Beta: 0.75, K: 2);

    private readonly Sequential features;
    private readonly Sequential classifier;

    /// <summary>Creates the network with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes, the size of the output.</param>
    /// <param name="inChannels">Channels of the 227×227 input.</param>
    /// <param name="dropout">Dropout probability before each hidden fully connected layer, in [0, 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public AlexNet(int numClasses = 2, int inChannels = 3, double dropout = 0.5)
        : base(nameof(AlexNet), inChannels, 227, 227, numClasses)
    {
        CheckDropout(dropout, nameof(dropout));
        List<ModelStage> stages = [];
        var pool = new PoolSpec(Kernel: 3, Stride: 2);
        features = new SequentialStages(nameof(features), stages)
            .Row("conv1", Layer.Conv(inChannels, new ConvSpec(Filters: 96, Kernel: 11, Stride: 4)), nn.ReLU()) // 55 x 55 x 96
            .Row("lrn1", Layer.Lrn(PaperLrn))
            .Row("pool1", Layer.MaxPool(pool))                                                           // 27 x 27 x 96
            .Row("conv2", Layer.Conv(96, new ConvSpec(Filters: 256, Kernel: 5, Padding: 2)), nn.ReLU())  // 27 x 27 x 256
            .Row("lrn2", Layer.Lrn(PaperLrn))
            .Row("pool2", Layer.MaxPool(pool))                                                           // 13 x 13 x 256
            .Row("conv3", Layer.Conv(256, new ConvSpec(Filters: 384, Kernel: 3, Padding: 1)), nn.ReLU()) // 13 x 13 x 384
            .Row("conv4", Layer.Conv(384, new ConvSpec(Filters: 384, Kernel: 3, Padding: 1)), nn.ReLU()) // 13 x 13 x 384
            .Row("conv5", Layer.Conv(384, new ConvSpec(Filters: 256, Kernel: 3, Padding: 1)), nn.ReLU()) // 13 x 13 x 256
            .Row("pool5", Layer.MaxPool(pool))                                                           // 6 x 6 x 256
            .Build();
        classifier = new SequentialStages(nameof(classifier), stages)
            .Row("dropout6", Layer.Dropout(dropout))
            .Row("fc6", Layer.Dense(256 * 6 * 6, 4096), nn.ReLU())
            .Row("dropout7", Layer.Dropout(dropout))
            .Row("fc7", Layer.Dense(4096, 4096), nn.ReLU())
            .Row("fc8", Layer.Dense(4096, numClasses))
            .Build();
        RegisterComponents();
        Stages = stages;
    }

    private protected override Tensor ForwardRows(Tensor input)
    {
        Tensor x = features.call(input); // N x 256 x 6 x 6
        x = x.flatten(1);                // N x 9216
        return classifier.call(x);       // N x numClasses
    }
}
