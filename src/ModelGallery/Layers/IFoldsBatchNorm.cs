namespace ModelGallery.Layers;

/// <summary>
/// A block whose own convolutions are each followed by a batch norm, and which can run each pair as one
/// <see cref="FoldedConv"/> in eval mode (a model's <c>FoldBatchNorm</c> calls it on every such block).
/// </summary>
internal interface IFoldsBatchNorm
{
    /// <summary>Snapshots the convolutions and batch norms as folded convolutions, used while in eval mode.</summary>
    void FoldBatchNorm();

    /// <summary>The snapshots while folded (empty otherwise).</summary>
    IEnumerable<FoldedConv> Folded { get; }

    /// <summary>Drops the snapshots: the block computes with its convolutions and batch norms again.</summary>
    void UnfoldBatchNorm();
}
