using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGallery.Native;

/// <summary>
/// Loads TorchSharp's native backend once and turns a failure into a <see cref="NativeLoadException"/> that
/// names the real cause. Every model constructor passes through <see cref="EnsureLoaded"/> before its first
/// native call. Loading applies <see cref="OneDnn"/>'s default.
/// </summary>
internal static class TorchRuntime
{
    /// <summary>The libstdc++ symbol version that TorchSharp 0.107.0's libLibTorchSharp.so asks for.</summary>
    internal const string RequiredGlibcxx = "GLIBCXX_3.4.32";

    private static readonly Lazy<NativeLoadException?> Failure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Throws <see cref="NativeLoadException"/> if the native backend cannot be loaded; returns <paramref name="name"/>.</summary>
    /// <remarks>Returning the name lets a module constructor call this before its base constructor runs.</remarks>
    internal static string EnsureLoaded(string name)
    {
        if (Failure.Value is { } failure)
        {
            throw failure;
        }

        return name;
    }

    private static NativeLoadException? Load()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            OneDnn.ApplyDefault();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            return Explain(e, FindLibTorchSharp());
        }
    }

    /// <summary>Builds the plain-words explanation of a failed load, asking the dynamic loader itself why.</summary>
    internal static NativeLoadException Explain(Exception original, string? libraryPath)
    {
        string? loaderMessage = libraryPath is null ? null : LoaderError(libraryPath);
        if (loaderMessage is not null && loaderMessage.Contains("GLIBCXX_", StringComparison.Ordinal))
        {
            return new NativeLoadException(
                $"TorchSharp's native library '{libraryPath}' cannot be loaded: it asks for {RequiredGlibcxx} from " +
                "libstdc++.so.6, and this system's libstdc++ is older (Debian 12 and Ubuntu 22.04 stop at GLIBCXX_3.4.30). " +
                "The requirement is a link-time marker that nothing binds to. Build the application with the ModelGallery " +
                "package referenced (its build/ModelGallery.targets marks the requirement weak in the output copy after " +
                "build and publish), or import ModelGallery.targets into your project, or install a libstdc++ from GCC 13 " +
                $"or newer. The dynamic loader said: {loaderMessage}",
                original);
        }

        return new NativeLoadException(
            "TorchSharp's native backend could not be loaded. Add a backend package to the application " +
            "(TorchSharp-cpu, or a CUDA backend) and rebuild. " +
            (loaderMessage is null ? string.Empty : $"The dynamic loader said: {loaderMessage} ") +
            $"TorchSharp said: {FirstLine(original)}",
            original);
    }

    /// <summary>Asks the dynamic loader to load <paramref name="libraryPath"/>; returns its error, or null if it loads.</summary>
    internal static string? LoaderError(string libraryPath)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(libraryPath));
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    private static string? FindLibTorchSharp()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string[] folders = [AppContext.BaseDirectory, Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? string.Empty];
        return folders
            .SelectMany(folder => new[]
            {
                Path.Combine(folder, "libLibTorchSharp.so"),
                Path.Combine(folder, "runtimes", arch, "native", "libLibTorchSharp.so"),
            })
            .FirstOrDefault(File.Exists);
    }

    private static string FirstLine(Exception e)
    {
        Exception inner = e is TypeInitializationException { InnerException: { } cause } ? cause : e;
        return inner.Message.Split('\n', 2)[0].Trim();
    }
}
