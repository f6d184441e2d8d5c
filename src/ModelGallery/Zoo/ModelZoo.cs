using ModelGallery.Modeling;
using ModelGallery.Models;

namespace ModelGallery.Zoo;

/// <summary>
/// The registry of gallery models: the list of the models' own <see cref="ModelInfo"/>s, one line per model or
/// variant, looked up by name (case-insensitive). Tests and the CLI iterate <see cref="All"/>, so a model listed here
/// is covered everywhere.
/// </summary>
public static class ModelZoo
{
    /// <summary>Every registered model, in this order.</summary>
    public static IReadOnlyList<ModelInfo> All { get; } =
    [
        LeNet5.Info,
        AlexNet.Info,
        Vgg16.Info,
        GoogLeNet.Info,
        AlexNet.TorchvisionInfo,
        GoogLeNet.TorchvisionInfo,
        ResNet.ResNet18Info,
        ResNet.ResNet50Info,
    ];

    private static readonly Dictionary<string, ModelInfo> ByName = Index(All);

    /// <summary>The registered names.</summary>
    public static IEnumerable<string> Names => All.Select(info => info.Name);

    /// <summary>Looks a model up by name, ignoring case.</summary>
    /// <param name="name">A registered name such as <c>vgg16</c>.</param>
    /// <exception cref="KeyNotFoundException">No model has that name; the message lists the known names.</exception>
    public static ModelInfo Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ByName.TryGetValue(name, out var info)
            ? info
            : throw new KeyNotFoundException($"Unknown model '{name}'. Known models: {string.Join(", ", Names)}.");
    }

    /// <summary>Looks a model up by name, ignoring case, without throwing.</summary>
    /// <param name="name">A name.</param>
    /// <param name="info">The model, when found.</param>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ModelInfo? info) =>
        ByName.TryGetValue(name ?? string.Empty, out info);

    /// <summary>Builds a registered model by name.</summary>
    /// <param name="name">A registered name such as <c>googlenet</c>.</param>
    /// <param name="options">Options; null for the defaults.</param>
    public static GalleryModel Create(string name, ModelOptions? options = null) => Get(name).Create(options);

    private static Dictionary<string, ModelInfo> Index(IReadOnlyList<ModelInfo> infos)
    {
        var byName = new Dictionary<string, ModelInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var info in infos)
        {
            if (!byName.TryAdd(info.Name, info))
            {
                throw new InvalidOperationException($"A model named '{info.Name}' is registered twice.");
            }
        }

        return byName;
    }
}
