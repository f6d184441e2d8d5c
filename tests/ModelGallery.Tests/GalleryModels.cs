using ModelGallery.Models;

namespace ModelGallery.Tests;

/// <summary>Every gallery model with its README section, so that every test runs over all of them.</summary>
internal static class GalleryModels
{
    public static IReadOnlyDictionary<string, (string Heading, Func<GalleryModel> Create)> All { get; } =
        new Dictionary<string, (string, Func<GalleryModel>)>
        {
            [nameof(LeNet5)] = ("LeNet-5", () => new LeNet5()),
            [nameof(AlexNet)] = ("AlexNet", () => new AlexNet()),
            [nameof(Vgg16)] = ("VGG-16", () => new Vgg16()),
            [nameof(GoogLeNet)] = ("GoogLeNet", () => new GoogLeNet()),
        };

    public static TheoryData<string> Names => [.. All.Keys];
}
