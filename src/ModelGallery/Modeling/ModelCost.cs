namespace ModelGallery.Modeling;

/// <summary>What a model costs at its defaults: parameters, and multiply-accumulates of one image.</summary>
/// <param name="Parameters">Parameters, counted.</param>
/// <param name="Macs">Multiply-accumulates of convolutions and fully connected layers for one image.</param>
internal readonly record struct ModelCost(long Parameters, long Macs);
