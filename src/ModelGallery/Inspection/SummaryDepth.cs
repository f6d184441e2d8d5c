using ModelGallery.Layers;

namespace ModelGallery.Inspection;

/// <summary>Which modules a <see cref="ModelSummary"/> lists.</summary>
public enum SummaryDepth
{
    /// <summary>
    /// One row per README table row for a gallery model (its <see cref="Modeling.GalleryModel.Stages"/>), or per direct
    /// child for any other module.
    /// </summary>
    Rows,

    /// <summary>One row per leaf module (a module without children), in call order.</summary>
    Leaves,
}
