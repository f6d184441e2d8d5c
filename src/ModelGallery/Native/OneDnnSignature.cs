using System.Globalization;
using System.Reflection;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using TorchSharp;

namespace ModelGallery.Native;

/// <summary>
/// What oneDNN's kernel choice depends on, as this machine reports it: a oneDNN verdict holds for one signature, and
/// any change (another processor, another reported cache size, another vCPU count, another libtorch) asks for a new
/// check.
/// </summary>
/// <param name="Vendor">The CPU vendor string (<c>AuthenticAMD</c>, <c>GenuineIntel</c>), as in <c>/proc/cpuinfo</c>'s <c>vendor_id</c>.</param>
/// <param name="Family">The CPU family (base + extended), as in <c>/proc/cpuinfo</c>'s <c>cpu family</c>.</param>
/// <param name="Model">The CPU model (base + extended), as in <c>/proc/cpuinfo</c>'s <c>model</c>.</param>
/// <param name="Stepping">The stepping, as in <c>/proc/cpuinfo</c>'s <c>stepping</c>.</param>
/// <param name="L1DataBytes">The L1 data cache CPUID reports (glibc's <c>LEVEL1_DCACHE_SIZE</c>), null if not reported.</param>
/// <param name="L2Bytes">The L2 cache CPUID reports, null if not reported.</param>
/// <param name="L3Bytes">The L3 cache CPUID reports (see <see cref="OneDnn.ReportedL3Bytes"/>), null if not reported.</param>
/// <param name="LogicalProcessors">The processors this process may run on (oneDNN's thread count follows it).</param>
/// <param name="TorchSharp">The TorchSharp version, which pins the libtorch (and so the oneDNN) release it runs.</param>
/// <param name="LibTorchBytes">The size of the loaded libtorch_cpu file, which tells two libtorch builds apart; 0 if not found.</param>
/// <param name="Canary">The version of ModelGallery's canary set: changing the cases asks for a new check.</param>
internal sealed record OneDnnSignature(
    string Vendor, int Family, int Model, int Stepping, long? L1DataBytes, long? L2Bytes, long? L3Bytes,
    int LogicalProcessors, string TorchSharp, long LibTorchBytes, int Canary)
{
    /// <summary>A short stable name for this signature (16 hex digits of a SHA-256 of its fields), used as the cache file's name.</summary>
    [JsonIgnore]
    public string Key => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
        $"{Vendor}|{Family}|{Model}|{Stepping}|{L1DataBytes}|{L2Bytes}|{L3Bytes}|{LogicalProcessors}|{TorchSharp}|{LibTorchBytes}|{Canary}"))))[..16];

    /// <summary>One line for people: vendor, family/model/stepping, caches, processors, TorchSharp.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Vendor} family {Family} model {Model} stepping {Stepping}, L1d {Size(L1DataBytes)}, L2 {Size(L2Bytes)}, " +
        $"L3 {Size(L3Bytes)}, {LogicalProcessors} logical processors, TorchSharp {TorchSharp} (libtorch_cpu {LibTorchBytes} bytes)");

    /// <summary>This machine's signature (read once per process).</summary>
    public static OneDnnSignature Current => Read.Value;

    private static readonly Lazy<OneDnnSignature> Read = new(ReadCurrent, LazyThreadSafetyMode.ExecutionAndPublication);

    private static OneDnnSignature ReadCurrent()
    {
        string torchSharp = typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";
        var (vendor, family, model, stepping) = Identity();
        return new OneDnnSignature(vendor, family, model, stepping, CpuCaches.Size(1), CpuCaches.Size(2), CpuCaches.Size(3),
            Environment.ProcessorCount, torchSharp, LibTorchSize(), OneDnnCanary.Version);
    }

    /// <summary>CPUID leaf 0's vendor and leaf 1's family, model and stepping, computed as the Linux kernel does for /proc/cpuinfo.</summary>
    private static (string Vendor, int Family, int Model, int Stepping) Identity()
    {
        if (!X86Base.IsSupported)
        {
            return (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), 0, 0, 0);
        }

        (_, int b, int c, int d) = X86Base.CpuId(0, 0);
        string vendor = Encoding.ASCII.GetString([.. BitConverter.GetBytes(b), .. BitConverter.GetBytes(d), .. BitConverter.GetBytes(c)]);
        int eax = X86Base.CpuId(1, 0).Eax;
        int family = (eax >> 8) & 0xF, model = (eax >> 4) & 0xF;
        if (family == 0xF)
        {
            family += (eax >> 20) & 0xFF;
        }

        if (family >= 6)
        {
            model += ((eax >> 16) & 0xF) << 4;
        }

        return (vendor, family, model, eax & 0xF);
    }

    private static long LibTorchSize()
    {
        string folder = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? string.Empty;
        string name = OperatingSystem.IsWindows() ? "torch_cpu.dll" : OperatingSystem.IsMacOS() ? "libtorch_cpu.dylib" : "libtorch_cpu.so";
        string[] candidates = [Path.Combine(folder, name), Path.Combine(AppContext.BaseDirectory, name),
            Path.Combine(AppContext.BaseDirectory, "runtimes", $"{(OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux")}-{System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}", "native", name)];
        return candidates.Where(File.Exists).Select(path => new FileInfo(path).Length).FirstOrDefault();
    }

    private static string Size(long? bytes) => bytes is { } b
        ? b >= 1 << 20 ? $"{b >> 20} MB" : $"{b >> 10} KB"
        : "?";
}
