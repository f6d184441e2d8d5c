namespace ModelGallery.Weights;

/// <summary>The file formats weights are saved in and loaded from.</summary>
public enum WeightsFormat
{
    /// <summary>safetensors (<c>.safetensors</c>): a JSON header and raw little-endian tensors; nothing is executed on load.</summary>
    SafeTensors,

    /// <summary>
    /// PyTorch's <c>torch.save</c> of a state_dict (<c>.pt</c>, <c>.pth</c>): a zip archive with a pickle and raw tensors,
    /// or (read only) the legacy format of PyTorch before 1.6, pickles followed by raw tensors.
    /// </summary>
    PyTorch,
}
