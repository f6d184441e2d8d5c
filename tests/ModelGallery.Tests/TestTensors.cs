using static TorchSharp.torch;

namespace ModelGallery.Tests;

/// <summary>Small helpers for comparing tensors and state_dicts in tests.</summary>
internal static class TestTensors
{
    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.equal(b).all().item<bool>();

    /// <summary>A module's state_dict as (key, shape) pairs, shapes written like "64x3x7x7".</summary>
    public static List<(string Key, string Shape)> Keys(nn.Module model) =>
        [.. model.state_dict().Select(entry => (entry.Key, string.Join("x", entry.Value.shape)))];

    /// <summary>A state_dict exported from torchvision (TestData/&lt;name&gt;.state_dict.txt).</summary>
    public static List<(string Key, string Shape)> Torchvision(string name) =>
        [.. File.ReadAllLines(RepoPaths.TestData($"{name}.state_dict.txt"))
            .Where(line => line.Length > 0)
            .Select(line => line.Split(' '))
            .Select(parts => (parts[0], parts.Length > 1 ? parts[1] : string.Empty))];
}
