using System.Diagnostics;
using System.Globalization;
using ModelGallery.Models;
using ModelGallery.Native;

namespace ModelGallery.Tests.Native;

/// <summary>Tests that switch oneDNN in this process, or read its state, run alone.</summary>
[CollectionDefinition(nameof(OneDnnSwitching), DisableParallelization = true)]
public sealed class OneDnnSwitching;

/// <summary>
/// What ModelGallery reads from the machine and applies at load: the CPUID readings of the signature, checked
/// against glibc, the kernel and /proc/cpuinfo, and the decision applied when libtorch loads.
/// </summary>
[Collection(nameof(OneDnnSwitching))]
public sealed class OneDnnTests
{
    [SkippableFact]
    public void The_L3_size_is_the_largest_that_glibc_or_the_kernel_reads_from_the_CPU()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.Intrinsics.X86.X86Base.IsSupported,
            "glibc's getconf and the kernel's sysfs on x86 Linux are the independent readings");

        string glibc = Getconf("LEVEL3_CACHE_SIZE");
        const string sysfs = "/sys/devices/system/cpu/cpu0/cache/index3/size";
        long kernel = File.Exists(sysfs) ? long.Parse(File.ReadAllText(sysfs).Trim().TrimEnd('K'), CultureInfo.InvariantCulture) * 1024 : 0;

        OneDnn.ReportedL3Bytes.Should().Be(Math.Max(long.Parse(glibc, CultureInfo.InvariantCulture), kernel), $"glibc says {glibc}, the kernel {kernel}");
    }

    [SkippableFact]
    public void The_signature_names_the_processor_as_proc_cpuinfo_does_and_the_caches_as_glibc_does()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.Intrinsics.X86.X86Base.IsSupported, "/proc/cpuinfo and getconf on x86 Linux");
        var fields = File.ReadLines("/proc/cpuinfo").TakeWhile(line => line.Length > 0).Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2).ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());

        var signature = OneDnnSignature.Current;

        signature.Vendor.Should().Be(fields["vendor_id"]);
        signature.Family.Should().Be(int.Parse(fields["cpu family"], CultureInfo.InvariantCulture));
        signature.Model.Should().Be(int.Parse(fields["model"], CultureInfo.InvariantCulture));
        signature.Stepping.Should().Be(int.Parse(fields["stepping"], CultureInfo.InvariantCulture));
        signature.L1DataBytes.Should().BeGreaterThanOrEqualTo(long.Parse(Getconf("LEVEL1_DCACHE_SIZE"), CultureInfo.InvariantCulture));
        signature.L2Bytes.Should().BeGreaterThanOrEqualTo(long.Parse(Getconf("LEVEL2_CACHE_SIZE"), CultureInfo.InvariantCulture));
        signature.LogicalProcessors.Should().Be(Environment.ProcessorCount);
        signature.TorchSharp.Should().StartWith("0.107.");
        signature.LibTorchBytes.Should().BePositive("libtorch_cpu is beside the test assembly");
        signature.Key.Should().MatchRegex("^[0-9a-f]{16}$").And.Be((signature with { }).Key, "the key depends on the fields only");
        (signature with { L3Bytes = signature.L3Bytes + 1 }).Key.Should().NotBe(signature.Key);
    }

    [Fact]
    public void Loading_libtorch_applies_the_decision_for_the_setting_the_cached_verdict_and_the_L3_size()
    {
        using var model = new LeNet5();
        var expected = OneDnnDecision.Make(Environment.GetEnvironmentVariable("MODELGALLERY_ONEDNN"),
            new OneDnnVerdictCache().Read(OneDnnSignature.Current), OneDnn.ReportedL3Bytes, () => throw new InvalidOperationException("no check here"));

        OneDnn.Enabled.Should().Be(expected.Enabled, expected.Reason);
        OneDnn.DisabledReason.Should().Be(expected.Enabled ? null : expected.Reason);
        OneDnn.Verdict.Should().BeEquivalentTo(expected.Verdict);
    }

    [SkippableFact]
    public void A_variable_set_for_native_code_is_what_the_C_library_reads()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "setenv through libc.so.6");
        string name = $"MODELGALLERY_TEST_{Guid.NewGuid():N}";

        NativeEnvironment.Set(name, "AVX2");

        System.Runtime.InteropServices.Marshal.PtrToStringUTF8(getenv(name)).Should().Be("AVX2", "the C library's getenv, which oneDNN reads, sees it");
        Environment.GetEnvironmentVariable(name).Should().Be("AVX2", "child processes inherit .NET's copy");
        NativeEnvironment.Get(name).Should().Be("AVX2");
    }

    [System.Runtime.InteropServices.DllImport("libc.so.6", CharSet = System.Runtime.InteropServices.CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint getenv([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string name);

    private static string Getconf(string name)
    {
        using var getconf = Process.Start(new ProcessStartInfo("getconf", name) { RedirectStandardOutput = true })!;
        string value = getconf.StandardOutput.ReadToEnd().Trim();
        getconf.WaitForExit();
        return value;
    }
}
