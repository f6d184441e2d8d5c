namespace ModelGallery.Data;

/// <summary>How a resize computes its pixels (bilinear in every case; they differ in filter and arithmetic).</summary>
public enum Resampling
{
    /// <summary>
    /// Pillow's antialiased bilinear resize in fixed point, bit for bit: what torchvision's <c>weights.transforms()</c>
    /// does to a PIL image, and so how torchvision's published accuracies were measured. It applies to byte images;
    /// a floating-point image (which could not be a PIL image either) is resampled as <see cref="TensorAntialias"/>.
    /// </summary>
    Pillow,

    /// <summary>libtorch's bilinear interpolation with antialias, in float32 (bytes rounded back): torchvision's tensor path with <c>antialias=True</c>.</summary>
    TensorAntialias,

    /// <summary>libtorch's bilinear interpolation without antialias: torchvision 0.14's tensor path by default (aliases when shrinking).</summary>
    TensorNoAntialias,
}
