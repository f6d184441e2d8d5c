using System.Runtime.InteropServices;

namespace ModelGallery.Native;

/// <summary>Recognises libtorch's allocation failures, which arrive as <see cref="ExternalException"/> with C++ frames.</summary>
internal static class NativeMemory
{
    /// <summary>Whether <paramref name="exception"/> is libtorch saying an allocation failed.</summary>
    public static bool IsAllocationFailure(Exception exception) =>
        exception is ExternalException && (
            exception.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase) ||
            exception.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) ||
            exception.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase));

    /// <summary>A typed exception for a failed allocation: what needed the memory, then libtorch's first line.</summary>
    public static InsufficientMemoryException Failure(string what, Exception exception) =>
        new($"{what}: {FirstLine(exception.Message)}", exception);

    /// <summary>A size in bytes for people: 721.7 GB, 60.2 MB.</summary>
    public static string Bytes(double bytes) => bytes >= 1e9 ? $"{bytes / 1e9:0.0} GB" : $"{bytes / 1e6:0.0} MB";

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
