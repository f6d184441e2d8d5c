using System.Diagnostics;
using System.Globalization;
using ModelGallery.Models;
using ModelGallery.Native;

namespace ModelGallery.Tests.Native;

/// <summary>
/// The oneDNN switch: ModelGallery turns libtorch's oneDNN convolutions off where the CPU reports an L3 as large as on
/// the machines where they were measured computing wrong values (see <see cref="OneDnn"/>), and leaves them on elsewhere.
/// </summary>
public sealed class OneDnnTests
{
    [SkippableFact]
    public void The_L3_size_is_the_largest_that_glibc_or_the_kernel_reads_from_the_CPU()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && System.Runtime.Intrinsics.X86.X86Base.IsSupported,
            "glibc's getconf and the kernel's sysfs on x86 Linux are the independent readings");

        var getconf = Process.Start(new ProcessStartInfo("getconf", "LEVEL3_CACHE_SIZE") { RedirectStandardOutput = true })!;
        string glibc = getconf.StandardOutput.ReadToEnd().Trim();
        getconf.WaitForExit();
        const string sysfs = "/sys/devices/system/cpu/cpu0/cache/index3/size";
        long kernel = File.Exists(sysfs) ? long.Parse(File.ReadAllText(sysfs).Trim().TrimEnd('K'), CultureInfo.InvariantCulture) * 1024 : 0;

        OneDnn.ReportedL3Bytes.Should().Be(Math.Max(long.Parse(glibc, CultureInfo.InvariantCulture), kernel), $"glibc says {glibc}, the kernel {kernel}");
    }

    [Fact]
    public void Loading_libtorch_turns_oneDNN_off_exactly_when_the_reported_L3_is_above_the_limit()
    {
        using var model = new LeNet5();
        string? setting = Environment.GetEnvironmentVariable("MODELGALLERY_ONEDNN");
        bool expectOff = setting is "off" || (setting is null or "" or "auto" && OneDnn.ReportedL3Bytes > OneDnn.L3LimitBytes);

        OneDnn.Enabled.Should().Be(!expectOff, $"the CPU reports an L3 of {OneDnn.ReportedL3Bytes} bytes and MODELGALLERY_ONEDNN is '{setting}'");
        (OneDnn.DisabledReason is not null).Should().Be(expectOff);
    }

    [Theory]
    [InlineData(null, 32L << 20, false)]
    [InlineData("", 96L << 20, false)]
    [InlineData("auto", 384L << 20, true)]
    [InlineData(null, 532_676_608L, true)]
    [InlineData(null, 256L << 20, false)]
    [InlineData(" OFF ", 32L << 20, true)]
    [InlineData("on", 532_676_608L, false)]
    [InlineData(null, null, false)]
    public void The_decision_follows_the_setting_then_the_cache_size(string? setting, long? l3, bool off)
    {
        string? reason = OneDnn.ReasonToDisable(setting, l3);

        (reason is not null).Should().Be(off);
        if (off && setting is null)
        {
            reason.Should().Contain($"{l3 / (1 << 20)} MB").And.Contain("256 MB");
        }
    }

    [Fact]
    public void An_unknown_setting_names_the_accepted_values_and_what_arrived()
    {
        var act = () => OneDnn.ReasonToDisable("maybe", 32L << 20);

        act.Should().Throw<ArgumentException>().WithMessage("*on, off or auto*'maybe'*");
    }
}
