namespace ModelGallery.Tests;

/// <summary>Locates files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Readme => Path.Combine(Root, "README.md");

    public static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "TestData", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ModelGallery.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ModelGallery.sln above {AppContext.BaseDirectory}.");
    }
}
