using ModelGallery.Zoo;

namespace ModelGallery.Tests;

/// <summary>The registry's names as xunit data, so that every registered model is covered by every theory.</summary>
internal static class GalleryModels
{
    public static TheoryData<string> Names => [.. ModelZoo.Names];
}
