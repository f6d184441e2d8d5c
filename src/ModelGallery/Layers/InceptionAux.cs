using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// GoogLeNet's auxiliary classifier: average pooling to 4×4, a 1×1 convolution with 128 filters, a fully connected
/// layer of 1024 units with ReLU, dropout 0.7 and a linear classifier. Children are named as torchvision names
/// them (<c>conv</c>, <c>fc1</c>, <c>fc2</c>), so keys read <c>aux1.conv.conv.weight</c>, <c>aux1.fc2.bias</c>, ….
/// </summary>
/// <remarks>
/// The paper pools with a 5×5 window and stride 3 (14×14 → 4×4); torchvision pools adaptively to 4×4, which is the
/// same at 14×14 and also fits other input sizes. Pass <c>adaptivePool: true</c> for torchvision's.
/// </remarks>
public sealed class InceptionAux : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> pool;
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly Linear fc1;
    private readonly ReLU relu;
    private readonly Dropout dropout;
    private readonly Linear fc2;

    /// <summary>Creates the classifier.</summary>
    /// <param name="inChannels">Channels of the Inception output it reads.</param>
    /// <param name="numClasses">Number of classes.</param>
    /// <param name="batchNorm">A convolution with batch norm (torchvision) instead of a plain one (paper, default).</param>
    /// <param name="adaptivePool">Adaptive 4×4 average pooling (torchvision) instead of the paper's 5×5 / 3.</param>
    /// <param name="dropout">Dropout probability before the last layer (paper and torchvision: 0.7).</param>
    public InceptionAux(long inChannels, int numClasses, bool batchNorm = false, bool adaptivePool = false, double dropout = 0.7)
        : base(TorchRuntime.EnsureLoaded(nameof(InceptionAux)))
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numClasses);
        pool = adaptivePool ? nn.AdaptiveAvgPool2d(4) : Layer.AvgPool(new PoolSpec(Kernel: 5, Stride: 3));
        conv = Layer.ConvBlock(inChannels, new ConvSpec(Filters: 128, Kernel: 1), batchNorm);
        fc1 = Layer.Dense(128 * 4 * 4, 1024);
        relu = Layer.ReLU();
        this.dropout = Layer.Dropout(dropout);
        fc2 = Layer.Dense(1024, numClasses);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = pool.call(input);    // N x C x 4 x 4
        x = conv.call(x);               // N x 128 x 4 x 4
        x = relu.call(fc1.call(x.flatten(1))); // N x 1024
        x = dropout.call(x);
        return fc2.call(x).MoveToOuterDisposeScope(); // N x numClasses
    }
}
