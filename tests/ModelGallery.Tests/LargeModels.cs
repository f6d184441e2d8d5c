namespace ModelGallery.Tests;

/// <summary>
/// The test classes that build large models of their own (VGG-16, AlexNet, ResNet-50, every registered model in turn)
/// run one after another, in parallel only with the rest of the suite: two of them side by side took the test host
/// to 11.5 GB.
/// </summary>
[CollectionDefinition(nameof(LargeModels))]
public sealed class LargeModels;
