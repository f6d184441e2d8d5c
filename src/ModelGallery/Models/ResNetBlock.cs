namespace ModelGallery.Models;

/// <summary>The residual block a <see cref="ResNet"/> repeats, as torchvision's <c>ResNet(block, layers)</c> takes it.</summary>
public enum ResNetBlock
{
    /// <summary><see cref="Layers.BasicBlock"/>: two 3×3 convolutions (ResNet-18/34); the last stage gives 512 features.</summary>
    Basic,

    /// <summary><see cref="Layers.Bottleneck"/>: 1×1, 3×3, 1×1 with 4× expansion (ResNet-50/101/152); the last stage gives 2048 features.</summary>
    Bottleneck,
}
