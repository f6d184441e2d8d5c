using System.Reflection;
using System.Runtime.InteropServices;
using Xunit.Sdk;

[assembly: ModelGallery.Tests.ReleaseMemory]

namespace ModelGallery.Tests;

/// <summary>
/// After every test: a full collection and the finalizers (a TorchSharp tensor or module a test left to the collector
/// frees its native memory there), then glibc's <c>malloc_trim</c>, which returns freed heap pages to the system. Without
/// it the test host's resident set only grew: memory one test freed stayed counted while the next test allocated more.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method)]
internal sealed partial class ReleaseMemoryAttribute : BeforeAfterTestAttribute
{
    public override void After(MethodInfo methodUnderTest)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        if (OperatingSystem.IsLinux())
        {
            _ = MallocTrim(0); // 1 if memory was returned, 0 if there was none to return
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
