using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Tests.Pretrained;

namespace ModelGallery.Tests.Readme;

/// <summary>
/// Stand-ins the README's snippets run with offline: <c>ResNet.ResNet18ImageNet1K</c> but for its file, which is the
/// end-to-end tests' ResNet-18 (torchvision's layout, seeded weights) under a name carrying that file's hash prefix.
/// </summary>
public static class OfflineWeights
{
    /// <summary>ResNet-18's catalogue entry pointing at the end-to-end tests' file.</summary>
    public static PretrainedWeights<ResNet> ResNet18 { get; } = ResNet.ResNet18ImageNet1K with
    {
        Tag = "offline",
        Url = new Uri($"https://example.invalid/models/resnet18-{PretrainedFixture.Case("resnet18").Sha256[..8]}.pth"),
    };
}
