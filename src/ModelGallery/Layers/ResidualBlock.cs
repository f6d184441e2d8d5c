using ModelGallery.Native;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ModelGallery.Layers;

/// <summary>
/// A residual block (He et al., 2015): a main path of convolutions, each followed by batch norm and all but the last
/// by a ReLU, added to the block's input — or to a 1×1 projection of it when the shape changes — and a ReLU after the
/// sum. Block types (such as <see cref="BasicBlock"/>) differ only in their main path.
/// </summary>
public abstract class ResidualBlock : nn.Module<Tensor, Tensor>, IFoldsBatchNorm
{
    private FoldedConv[]? folded;
    private FoldedConv? foldedShortcut;

    private protected ResidualBlock(string name)
        : base(TorchRuntime.EnsureLoaded(name))
    {
    }

    /// <summary>The main path in call order: each convolution with the batch norm after it.</summary>
    internal abstract IReadOnlyList<(Conv2d Conv, BatchNorm2d Norm)> MainPath { get; }

    /// <summary>The projection of the input (a strided 1×1 convolution and batch norm), or null for the identity.</summary>
    internal abstract Sequential? Shortcut { get; }

    /// <summary>The ReLU, used after every main-path step but the last and after the sum (torchvision shares one module).</summary>
    private protected abstract ReLU Relu { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var path = MainPath; // a new list per read: read once, not in the loop
        bool useFolded = folded is not null && !training;
        Tensor identity = useFolded && foldedShortcut is not null ? foldedShortcut.Forward(input) : Shortcut?.call(input) ?? input;
        Tensor x = input;
        for (int i = 0; i < path.Count; i++)
        {
            var (conv, norm) = path[i];
            x = useFolded ? folded![i].Forward(x) : norm.call(conv.call(x));
            if (i < path.Count - 1)
            {
                x = Relu.call(x); // in place
            }
        }

        return Relu.call(x.add_(identity)).MoveToOuterDisposeScope(); // the sum, in place on the last batch norm's output
    }

    /// <inheritdoc/>
    void IFoldsBatchNorm.FoldBatchNorm()
    {
        ((IFoldsBatchNorm)this).UnfoldBatchNorm();
        folded = [.. MainPath.Select(step => new FoldedConv(step.Conv, step.Norm))];
        if (Shortcut is { } shortcut)
        {
            var children = shortcut.children().ToList();
            FoldedConv.Refold(ref foldedShortcut, (Conv2d)children[0], (BatchNorm2d)children[1]);
        }
    }

    /// <inheritdoc/>
    IEnumerable<FoldedConv> IFoldsBatchNorm.Folded => [.. folded ?? [], .. foldedShortcut is null ? [] : new[] { foldedShortcut }];

    /// <inheritdoc/>
    void IFoldsBatchNorm.UnfoldBatchNorm()
    {
        foreach (var step in folded ?? [])
        {
            step.Dispose();
        }

        folded = null;
        FoldedConv.Drop(ref foldedShortcut);
    }

    /// <summary>The projection a block needs when its stride or channel count changes the shape, else null.</summary>
    private protected static Sequential? Projection(long inChannels, long outChannels, long stride) =>
        stride == 1 && inChannels == outChannels
            ? null
            : nn.Sequential(
                nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false),
                nn.BatchNorm2d(outChannels));
}
