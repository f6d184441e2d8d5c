using ModelGallery.Hub;

namespace ModelGallery.Tests.Hub;

/// <summary>Where the caches are, read from an environment given to the cache (never the process's).</summary>
public sealed class WeightsCacheTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "cache-paths"));

    private static string At(params string[] parts) => Path.Combine([Root, .. parts]);

    [Fact]
    public void An_explicit_folder_comes_first()
    {
        var cache = new WeightsCache(At("mine"), new Dictionary<string, string> { ["MODELGALLERY_HOME"] = At("home") });

        cache.Directory.Should().Be(At("mine"));
    }

    [Fact]
    public void Modelgallery_home_comes_before_xdg_cache_home()
    {
        var cache = new WeightsCache(environment: new Dictionary<string, string> { ["MODELGALLERY_HOME"] = At("gallery"), ["XDG_CACHE_HOME"] = At("xdg") });

        cache.Directory.Should().Be(At("gallery", "weights"));
        cache.TorchHubDirectory.Should().Be(At("xdg", "torch", "hub", "checkpoints"), "torch.hub also reads XDG_CACHE_HOME");
    }

    [Fact]
    public void Xdg_cache_home_comes_before_the_home_folder()
    {
        var cache = new WeightsCache(environment: new Dictionary<string, string> { ["XDG_CACHE_HOME"] = At("xdg"), ["HOME"] = At("me") });

        cache.Directory.Should().Be(At("xdg", "modelgallery", "weights"));
    }

    [SkippableFact]
    public void Without_variables_the_caches_are_under_the_home_folder()
    {
        Skip.If(OperatingSystem.IsWindows(), "Windows uses %LOCALAPPDATA% for the gallery's cache");
        var cache = new WeightsCache(environment: new Dictionary<string, string> { ["HOME"] = At("me"), ["XDG_CACHE_HOME"] = string.Empty });

        cache.Directory.Should().Be(At("me", ".cache", "modelgallery", "weights"));
        cache.TorchHubDirectory.Should().Be(At("me", ".cache", "torch", "hub", "checkpoints"));
    }

    [Fact]
    public void Torch_home_places_pytorchs_cache()
    {
        var cache = new WeightsCache(environment: new Dictionary<string, string> { ["TORCH_HOME"] = At("torch"), ["XDG_CACHE_HOME"] = At("xdg") });

        cache.TorchHubDirectory.Should().Be(At("torch", "hub", "checkpoints"));
    }

    [Fact]
    public void Nothing_is_found_in_empty_caches()
    {
        var cache = new WeightsCache(environment: new Dictionary<string, string> { ["XDG_CACHE_HOME"] = At("empty"), ["TORCH_HOME"] = At("empty-torch") });

        cache.Find(WeightsFile.FromUrl(new Uri("https://example.org/a-01234567.pth"))).Should().BeNull();
        cache.PathOf(WeightsFile.FromUrl(new Uri("https://example.org/a-01234567.pth"))).Should().Be(At("empty", "modelgallery", "weights", "a-01234567.pth"));
    }
}
