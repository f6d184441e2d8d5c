using ModelGallery.Models;
using ModelGallery.Native;

namespace ModelGallery.Tests.Native;

/// <summary>
/// The Debian 12 / Ubuntu 22.04 native-load fix of build/ModelGallery.targets. The fix and these checks concern
/// Linux builds only; elsewhere the tests return at once.
/// </summary>
public sealed class NativeLoadTests
{
    [SkippableFact]
    public void The_output_copy_marks_the_GLIBCXX_requirement_weak()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the native-load fix patches an ELF library: Linux only");

        Elf.RequirementFlags(Elf.OutputCopy()).Should().Be("WEAK");
    }

    [SkippableFact]
    public void The_NuGet_cache_copy_is_left_untouched_and_the_output_keeps_its_timestamp()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the native-load fix patches an ELF library: Linux only");

        Elf.RequirementFlags(Elf.NuGetCacheCopy()).Should().Be("none");
        File.GetLastWriteTimeUtc(Elf.OutputCopy()).Should().Be(File.GetLastWriteTimeUtc(Elf.NuGetCacheCopy()));
        new FileInfo(Elf.OutputCopy()).Length.Should().Be(new FileInfo(Elf.NuGetCacheCopy()).Length);
    }

    [SkippableFact]
    public void The_target_patches_a_hard_linked_copy_without_writing_through_and_is_idempotent()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the native-load fix patches an ELF library: Linux only");

        string root = Directory.CreateTempSubdirectory("modelgallery-targets-").FullName;
        try
        {
            string original = Path.Combine(root, "cache", "libLibTorchSharp.so");
            string output = Path.Combine(root, "out", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
            Directory.CreateDirectory(Path.GetDirectoryName(original)!);
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            File.Copy(Elf.NuGetCacheCopy(), original);
            var stamp = new DateTime(2024, 1, 2, 3, 4, 5, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(original, stamp);
            Elf.Run("ln", original, output); // a hard link, as CreateHardLinksForCopyLocalIfPossible makes
            string project = Path.Combine(root, "patch.proj");
            File.WriteAllText(project, $"""
                <Project>
                  <PropertyGroup><OutDir>{root}/out/</OutDir><PublishDir>{root}/publish/</PublishDir></PropertyGroup>
                  <Import Project="{Path.Combine(RepoPaths.Root, "src", "ModelGallery", "build", "ModelGallery.targets")}" />
                  <Target Name="CopyFilesToOutputDirectory" />
                  <Target Name="Publish" />
                </Project>
                """);

            Elf.Run("dotnet", "msbuild", project, "-nologo", "-nodeReuse:false", "-t:CopyFilesToOutputDirectory;Publish");
            long patchedInode = Inode(output);
            Elf.Run("dotnet", "msbuild", project, "-nologo", "-nodeReuse:false", "-t:CopyFilesToOutputDirectory");

            Elf.RequirementFlags(output).Should().Be("WEAK");
            Elf.RequirementFlags(original).Should().Be("none", "the hard-linked original must not be written through");
            File.GetLastWriteTimeUtc(output).Should().Be(stamp);
            Inode(output).Should().Be(patchedInode, "a second build finds the flag set and leaves the file alone");
            byte[] before = File.ReadAllBytes(original);
            File.ReadAllBytes(output).Where((b, i) => b != before[i]).Should().HaveCount(1, "only the flag byte changes");
            Directory.Exists(Path.Combine(root, "publish")).Should().BeFalse("an absent file is not an error and nothing is created");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [SkippableFact]
    public void A_failed_load_is_explained_in_plain_words()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the native-load fix patches an ELF library: Linux only");

        using var loaded = new LeNet5(); // the backend is loaded; the unpatched copy now fails on its own requirement only
        string folder = Directory.CreateTempSubdirectory("modelgallery-native-").FullName;
        try
        {
            string unpatched = Path.Combine(folder, "libLibTorchSharp.so");
            File.Copy(Elf.NuGetCacheCopy(), unpatched);
            bool systemHasVersion = File.ReadAllText(LibStdCxx()).Contains(Elf.Version, StringComparison.Ordinal);

            string? loader = TorchRuntime.LoaderError(unpatched);
            var explained = TorchRuntime.Explain(new TypeInitializationException("TorchSharp.torch", null), unpatched);

            if (systemHasVersion)
            {
                loader.Should().BeNull();
            }
            else
            {
                loader.Should().Contain(Elf.Version);
                explained.Message.Should().Contain(Elf.Version).And.Contain("libstdc++").And.Contain("ModelGallery.targets").And.Contain(unpatched);
                explained.InnerException.Should().BeOfType<TypeInitializationException>();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void A_missing_backend_is_explained_without_blaming_libstdcxx()
    {
        var explained = TorchRuntime.Explain(new NotSupportedException("no libtorch"), libraryPath: null);

        explained.Message.Should().Contain("TorchSharp-cpu").And.Contain("no libtorch").And.NotContain("GLIBCXX");
    }

    private static readonly string[] LibStdCxxLocations = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6"];

    private static string LibStdCxx() => LibStdCxxLocations.First(File.Exists);

    private static long Inode(string path) => long.Parse(Elf.Run("stat", "-c", "%i", path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
