using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace ModelGallery.Native;

/// <summary>
/// Whether libtorch may run convolutions through oneDNN (its MKL-DNN backend; PyTorch's
/// <c>torch.backends.mkldnn.enabled</c>). ModelGallery turns it off where the processor reports an L3 cache above
/// <see cref="L3LimitBytes"/>, the kind of machine on which libtorch 2.10's oneDNN kernels were measured computing
/// wrong values and crashing.
/// </summary>
/// <remarks>
/// On 2-vCPU AMD EPYC (Zen 5) guests whose CPUID reports the host's whole L3 (384–532 MB), oneDNN's "brgemm"
/// convolutions computed GoogLeNet logits that depend on the other images in the batch, channels-last ResNet-18
/// logits 11 % of their scale away from NCHW, and ended the process with a divide error in
/// <c>brg_blocking_t::est_eff_1x1</c>; other guests of the same kind computed correctly, and nothing the CPU reports
/// tells them apart. With oneDNN off, libtorch's own im2col + GEMM convolutions compute what PyTorch 1.13 computes on
/// those machines, 1.4–3.5× slower. Turning oneDNN off (by default or by <see cref="Enabled"/>) turns libtorch's
/// NNPACK off too: it cannot initialise on those guests and would log a warning on stderr at each convolution of 16
/// images or more. The decision is made once, when ModelGallery first loads libtorch; set the
/// environment variable <c>MODELGALLERY_ONEDNN</c> to <c>on</c> or <c>off</c> to override it, or set
/// <see cref="Enabled"/> before running a model.
/// </remarks>
public static class OneDnn
{
    /// <summary>
    /// The largest reported L3 with which ModelGallery leaves oneDNN on: above the 96 MB of any single cache die
    /// (AMD's 3D V-Cache), below the 384 MB and more that large AMD EPYC guests report.
    /// </summary>
    public const long L3LimitBytes = 256L << 20;

    /// <summary>Whether libtorch may use oneDNN for convolutions and linear layers. Setting it affects the whole process; setting it false also turns NNPACK off.</summary>
    /// <exception cref="PlatformNotSupportedException">libtorch's switch cannot be found on this platform.</exception>
    public static bool Enabled
    {
        get
        {
            TorchRuntime.EnsureLoaded(nameof(OneDnn));
            NativeSwitch found = Required();
            return found.Get(found.Context()) != 0;
        }
        set
        {
            TorchRuntime.EnsureLoaded(nameof(OneDnn));
            NativeSwitch found = Required();
            found.Set(found.Context(), value ? (byte)1 : (byte)0);
        }
    }

    /// <summary>Why ModelGallery turned oneDNN off when it loaded libtorch, or null if it left libtorch's default.</summary>
    public static string? DisabledReason { get; private set; }

    /// <summary>
    /// The largest L3 cache size the processor reports through CPUID (its cache-parameters leaf and, on AMD, the
    /// legacy leaf 0x80000006 as well), in bytes; null where CPUID is unavailable.
    /// </summary>
    public static long? ReportedL3Bytes => L3.Value;

    private static readonly Lazy<long?> L3 = new(ReadL3, LazyThreadSafetyMode.PublicationOnly);
    private static readonly Lazy<NativeSwitch?> Switch = new(NativeSwitch.TryFind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Applies the environment override or the cache-topology check; called once after libtorch loads.</summary>
    internal static void ApplyDefault()
    {
        string? reason = ReasonToDisable(Environment.GetEnvironmentVariable("MODELGALLERY_ONEDNN"), ReportedL3Bytes);
        if (reason is null || Switch.Value is not { } found)
        {
            return;
        }

        found.Set(found.Context(), 0);
        DisabledReason = reason;
    }

    private static NativeSwitch Required() => Switch.Value ?? throw new PlatformNotSupportedException(
        "libtorch's oneDNN switch (at::Context::setUserEnabledMkldnn) was not found in torch_cpu on this platform.");

    /// <summary>Why oneDNN should be off for this setting of <c>MODELGALLERY_ONEDNN</c> and L3 size, or null to leave it on.</summary>
    /// <exception cref="ArgumentException"><paramref name="setting"/> is neither empty nor on/off/auto.</exception>
    internal static string? ReasonToDisable(string? setting, long? l3Bytes) => setting?.Trim().ToLowerInvariant() switch
    {
        "off" or "0" or "false" => "MODELGALLERY_ONEDNN=off",
        "on" or "1" or "true" => null,
        null or "" or "auto" => l3Bytes is > L3LimitBytes
            ? $"the CPU reports an L3 cache of {l3Bytes / (1 << 20)} MB (above {L3LimitBytes / (1 << 20)} MB: a large " +
              "AMD EPYC host's whole L3 seen from a guest, where libtorch's oneDNN kernels were measured computing wrong values)"
            : null,
        _ => throw new ArgumentException(
            $"MODELGALLERY_ONEDNN must be on, off or auto; it is '{setting}'.", nameof(setting)),
    };

    private static long? ReadL3()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        (_, int vendorB, int vendorC, int vendorD) = X86Base.CpuId(0, 0);
        bool amd = vendorB == 0x68747541 && vendorD == 0x69746E65 && vendorC == 0x444D4163; // "AuthenticAMD"
        uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        long? legacy = amd && maxExtended >= 0x80000006
            ? ((long)((uint)X86Base.CpuId(unchecked((int)0x80000006), 0).Edx >> 18)) * 512 * 1024
            : null;
        long? described = !amd || maxExtended >= 0x8000001D ? DescribedL3(amd ? unchecked((int)0x8000001D) : 4) : null;
        return legacy is null ? described : described is null ? legacy : Math.Max(legacy.Value, described.Value);
    }

    /// <summary>The L3 size in the deterministic cache parameters leaf (4 on Intel, 0x8000001D on AMD).</summary>
    private static long? DescribedL3(int leaf)
    {
        for (int sub = 0; sub < 16; sub++)
        {
            (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, sub);
            if ((eax & 0x1F) == 0)
            {
                break;
            }

            if (((eax >> 5) & 0x7) == 3)
            {
                long ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
                return ways * partitions * line * ((long)(uint)ecx + 1);
            }
        }

        return null;
    }

    /// <summary>libtorch's <c>at::globalContext()</c>, its <c>userEnabledMkldnn</c> getter and setter, and its <c>setUserEnabledNNPACK</c> (0 where missing).</summary>
    private sealed unsafe class NativeSwitch(
        delegate* unmanaged<nint> context, delegate* unmanaged<nint, byte> get, delegate* unmanaged<nint, byte, void> set,
        delegate* unmanaged<nint, byte, void> setNnpack)
    {
        public nint Context() => context();


        public byte Get(nint at) => get(at);

        /// <summary>
        /// Sets the oneDNN switch; turning it off turns NNPACK off too. With oneDNN off, libtorch tries NNPACK for
        /// convolutions of 16 images or more; on the guests where oneDNN is turned off NNPACK cannot identify the
        /// processor, and each try logs "Could not initialize NNPACK! Reason: Unsupported hardware." on stderr before
        /// falling back to im2col + GEMM, the path libtorch then takes directly.
        /// </summary>
        public void Set(nint at, byte value)
        {
            set(at, value);
            if (value == 0 && setNnpack != null)
            {
                setNnpack(at, 0);
            }
        }

        /// <summary>Looks the three functions up in torch_cpu; null where any is missing.</summary>
        public static NativeSwitch? TryFind()
        {
            bool windows = OperatingSystem.IsWindows();
            string[] names = windows ? ["torch_cpu.dll"] : OperatingSystem.IsMacOS() ? ["libtorch_cpu.dylib"] : ["libtorch_cpu.so"];
            string folder = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? string.Empty;
            nint library = 0;
            foreach (string name in names)
            {
                if (NativeLibrary.TryLoad(name, out library) || NativeLibrary.TryLoad(Path.Combine(folder, name), out library))
                {
                    break;
                }
            }

            if (library == 0 ||
                !NativeLibrary.TryGetExport(library, windows ? "?globalContext@at@@YAAEAVContext@1@XZ" : "_ZN2at13globalContextEv", out nint context) ||
                !NativeLibrary.TryGetExport(library, windows ? "?userEnabledMkldnn@Context@at@@QEBA_NXZ" : "_ZNK2at7Context17userEnabledMkldnnEv", out nint get) ||
                !NativeLibrary.TryGetExport(library, windows ? "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z" : "_ZN2at7Context20setUserEnabledMkldnnEb", out nint set))
            {
                return null;
            }

            NativeLibrary.TryGetExport(library, windows ? "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z" : "_ZN2at7Context20setUserEnabledNNPACKEb", out nint nnpack);
            return new NativeSwitch((delegate* unmanaged<nint>)context, (delegate* unmanaged<nint, byte>)get, (delegate* unmanaged<nint, byte, void>)set,
                (delegate* unmanaged<nint, byte, void>)nnpack);
        }
    }
}
