using System.Runtime.InteropServices;

namespace ModelGallery.Native;

/// <summary>
/// The process environment as native code reads it. On Linux .NET keeps its own copy of the environment, so
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> never reaches the C library's <c>getenv</c>, which is
/// what oneDNN reads; this sets both.
/// </summary>
internal static partial class NativeEnvironment
{
    /// <summary>The variable as native code sees it (the C library's on Linux), or null.</summary>
    public static string? Get(string name) =>
        !OperatingSystem.IsLinux() ? Environment.GetEnvironmentVariable(name) : Marshal.PtrToStringUTF8(GetEnv(name));

    /// <summary>Sets the variable for native code and for .NET (and so for child processes).</summary>
    /// <exception cref="InvalidOperationException">The C library refused the variable.</exception>
    public static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (OperatingSystem.IsLinux() && SetEnv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}={value}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    private const string LibC = "libc.so.6";

    [LibraryImport(LibC, EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport(LibC, EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
