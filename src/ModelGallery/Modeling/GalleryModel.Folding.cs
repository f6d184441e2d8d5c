using ModelGallery.Layers;

namespace ModelGallery.Modeling;

/// <summary>Batch-norm folding for eval-mode inference.</summary>
public abstract partial class GalleryModel
{
    /// <summary>Whether eval-mode forward passes run each convolution and its batch norm as one folded convolution (see <see cref="FoldBatchNorm"/>).</summary>
    public bool BatchNormFolded { get; private set; }

    /// <summary>
    /// Switches the model to eval mode and folds every batch norm that follows a convolution into that convolution's
    /// weight and bias (w · γ/√(σ² + ε) and β − μ · γ/√(σ² + ε)), so inference skips one pass over each convolution's
    /// output. The logits equal the unfolded model's within float rounding; the state_dict, saving and export are
    /// unchanged (the folded tensors are a snapshot beside the weights). Any later operation that takes the model to
    /// itself to change it — loading weights, training, <c>train()</c>, <see cref="UseChannelsLast"/>,
    /// <see cref="UseBFloat16"/> — first drops the snapshot, so a folded model never computes with stale weights: fold
    /// last, just before serving (<c>eval()</c>, summaries and <see cref="ForwardFeatures"/> keep it). Models without batch norm (LeNet-5, AlexNet, VGG-16, the paper's GoogLeNet) are left
    /// as they are. Weights changed behind the model's back (TorchSharp's own <c>load_state_dict</c>, in-place edits)
    /// are not seen: call it again after those.
    /// </summary>
    /// <returns>This model, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    public GalleryModel FoldBatchNorm()
    {
        using var lease = Usage.EnterExclusive(nameof(FoldBatchNorm)); // drops an earlier snapshot
        base.train(false);
        var blocks = FoldingBlocks();
        foreach (var block in blocks)
        {
            block.FoldBatchNorm();
        }

        BatchNormFolded = blocks.Count > 0;
        return this;
    }

    /// <summary>Drops the folded snapshots; run by every operation that may change the model (see <see cref="ModelUsage.ModelChanging"/>).</summary>
    private void UnfoldBatchNorm()
    {
        if (!BatchNormFolded)
        {
            return;
        }

        foreach (var block in FoldingBlocks())
        {
            block.UnfoldBatchNorm();
        }

        BatchNormFolded = false;
    }

    /// <summary>This model and every module in it that folds its own convolution and batch-norm pairs.</summary>
    private List<IFoldsBatchNorm> FoldingBlocks() =>
        [.. new object[] { this }.Concat(modules()).OfType<IFoldsBatchNorm>().Distinct()];
}
