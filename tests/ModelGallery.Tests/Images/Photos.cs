namespace ModelGallery.Tests.Images;

/// <summary>
/// Where the image tests find their inputs: skimage's sample photos from Debian's python3-skimage (real photos, none
/// made here), and the small files generate_image_fixtures.py derived from them (Fixtures/images/).
/// </summary>
internal static class Photos
{
    /// <summary>Where Debian's package puts the photos once unpacked as the README and .ci/run do.</summary>
    public const string DefaultFolder = "/opt/skimage-deb/usr/lib/python3/dist-packages/skimage/data";

    /// <summary>The photo folder: <c>MODELGALLERY_PHOTOS</c>, else <see cref="DefaultFolder"/>. A missing folder fails the test (never a skip).</summary>
    public static string Folder => Resolve(Environment.GetEnvironmentVariable("MODELGALLERY_PHOTOS"));

    /// <summary>The folder <paramref name="variable"/> names (or the default when it is unset or empty), if the photos are there.</summary>
    /// <exception cref="InvalidOperationException">No chelsea.png in it; the message says how to get the photos.</exception>
    internal static string Resolve(string? variable)
    {
        string folder = variable is { Length: > 0 } ? variable : DefaultFolder;
        if (!File.Exists(Path.Combine(folder, "chelsea.png")))
        {
            throw new InvalidOperationException(
                $"The test photos (skimage's sample images) are not at '{folder}' (no chelsea.png there). Get them with "
                + "`cd \"$(mktemp -d)\" && apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /opt/skimage-deb`, "
                + "or set MODELGALLERY_PHOTOS to a folder holding them.");
        }

        return folder;
    }

    /// <summary>A photo of skimage's data folder, e.g. <c>chelsea.png</c>.</summary>
    public static string Photo(string name) => Path.Combine(Folder, name);

    /// <summary>A file generate_image_fixtures.py wrote into Fixtures/images/.</summary>
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "images", name);

    /// <summary>A file from either place: <paramref name="source"/> is <c>photos</c> or <c>fixtures</c>, as in photos.expected.json.</summary>
    public static string Locate(string source, string name) => source switch
    {
        "photos" => Photo(name),
        "fixtures" => Fixture(name),
        _ => throw new ArgumentException($"Expected source 'photos' or 'fixtures'; received '{source}'.", nameof(source)),
    };
}
