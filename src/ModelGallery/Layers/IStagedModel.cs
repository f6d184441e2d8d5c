namespace ModelGallery.Layers;

/// <summary>
/// A model that says which of its submodules make up each row of its architecture table. The model summary
/// summarises such a model row by row; any other module is summarised by its direct children. Every gallery model
/// implements it.
/// </summary>
internal interface IStagedModel
{
    /// <summary>The table's rows after the input, in call order, with the submodules that compute each.</summary>
    IReadOnlyList<ModelStage> Stages { get; }

    /// <summary>The shape of one input sample the table describes, without the batch axis (C×H×W for images).</summary>
    IReadOnlyList<long> SampleShape { get; }
}
