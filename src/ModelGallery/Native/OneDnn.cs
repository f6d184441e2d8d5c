using System.Runtime.InteropServices;
using TorchSharp;

namespace ModelGallery.Native;

/// <summary>
/// Whether libtorch may run convolutions through oneDNN (its MKL-DNN backend; PyTorch's
/// <c>torch.backends.mkldnn.enabled</c>), decided from a check of this machine rather than a guess: ModelGallery runs
/// a canary of every convolution shape family its models use, with oneDNN and with libtorch's reference path, in a
/// child process (<see cref="Verify"/>, or <c>gallery doctor</c>), caches the <see cref="OneDnnVerdict"/> per
/// <see cref="OneDnnSignature"/> and applies it whenever it loads libtorch.
/// </summary>
/// <remarks>
/// On 2-vCPU AMD EPYC (Zen 5) guests whose CPUID reports the host's whole L3 (384–532 MB), oneDNN's "brgemm"
/// convolutions computed GoogLeNet logits that depend on the other images in the batch, channels-last ResNet-18
/// logits 11 % of their scale away from NCHW, and ended the process with a divide error in
/// <c>brg_blocking_t::est_eff_1x1</c>; other guests of the same kind computed correctly, and nothing the CPU reports
/// tells them apart — hence the check. Until a verdict exists for this machine ModelGallery keeps the conservative
/// default: oneDNN off where the processor reports an L3 above <see cref="L3LimitBytes"/>. A verdict that passed with
/// an ISA cap sets <c>ONEDNN_MAX_CPU_ISA</c> in the native environment at load (unless it is set already), which only
/// takes effect if nothing ran a oneDNN kernel in this process before ModelGallery loaded libtorch. Turning oneDNN off
/// (by a verdict, the default or <see cref="Enabled"/>) turns libtorch's NNPACK off too: it cannot initialise on those
/// guests and would log a warning on stderr at each convolution of 16 images or more. The environment variable
/// <c>MODELGALLERY_ONEDNN</c> overrides all of it: <c>on</c>, <c>off</c>, or <c>verify</c> (run the check at load if
/// no verdict is cached, which takes a few seconds to a minute).
/// </remarks>
public static class OneDnn
{
    /// <summary>
    /// The conservative default's limit, used until a verdict exists: the largest reported L3 with which ModelGallery
    /// leaves oneDNN on (above the 96 MB of any single cache die, below the 384 MB and more that large AMD EPYC guests report).
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

    /// <summary>Why ModelGallery turned oneDNN off when it loaded libtorch, or null if it left it on.</summary>
    public static string? DisabledReason { get; private set; }

    /// <summary>The verdict applied when ModelGallery loaded libtorch (the cached one for this machine, or a fresh one under <c>MODELGALLERY_ONEDNN=verify</c>); null if none was.</summary>
    internal static OneDnnVerdict? Verdict { get; private set; }

    /// <summary>
    /// The verdict applied when ModelGallery loaded libtorch, in one sentence (whether oneDNN computed correctly, with
    /// which ISA cap, when it was checked); null if no verdict was applied (the L3 rule or the setting decided).
    /// </summary>
    public static string? VerdictSummary => Verdict?.Summarize();

    /// <summary>The <c>ONEDNN_MAX_CPU_ISA</c> in effect as native code sees it (set by the verdict at load, or by the user); null for none.</summary>
    public static string? IsaCap => NativeEnvironment.Get(OneDnnVerifier.IsaVariable);

    /// <summary>
    /// The largest L3 cache size the processor reports through CPUID (its cache-parameters leaf and, on AMD, the
    /// legacy leaf 0x80000006 as well), in bytes; null where CPUID is unavailable.
    /// </summary>
    public static long? ReportedL3Bytes => CpuCaches.Size(3);

    private static readonly Lazy<NativeSwitch?> Switch = new(NativeSwitch.TryFind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Runs the oneDNN check now, in child processes (this application relaunched with ModelGallery as its .NET startup
    /// hook, which runs the canary and exits before the application's Main), caches the verdict for this machine and
    /// writes its evidence to <paramref name="evidence"/>: the machine, one line per case of each configuration tried
    /// (errors relative to the reference output's scale), and the verdict. It does not change this process: the
    /// verdict applies from the next load of libtorch (the next process). Takes a few seconds to a minute per
    /// configuration tried.
    /// </summary>
    /// <param name="evidence">Where to write the evidence; null for nowhere.</param>
    /// <returns>True when oneDNN computed correctly in some configuration (the one the library will use).</returns>
    /// <exception cref="IOException">The verdict cannot be written to the cache folder.</exception>
    public static bool Verify(TextWriter? evidence = null)
    {
        var verdict = VerifyAndCache(OneDnnVerifier.Default, new OneDnnVerdictCache());
        if (evidence is not null)
        {
            verdict.WriteEvidence(evidence);
        }

        return verdict.Passed;
    }

    /// <summary>Runs <paramref name="verifier"/> for this machine and writes a conclusive verdict to <paramref name="cache"/>.</summary>
    internal static OneDnnVerdict VerifyAndCache(OneDnnVerifier verifier, OneDnnVerdictCache cache)
    {
        var verdict = verifier.Verify(OneDnnSignature.Current, OneDnnVerifier.Caps);
        cache.Write(verdict);
        return verdict;
    }

    /// <summary>Applies the environment override, the cached verdict or the conservative default; called once after libtorch loads.</summary>
    internal static void ApplyDefault()
    {
        var cache = new OneDnnVerdictCache();
        var signature = OneDnnSignature.Current;
        var decision = OneDnnDecision.Make(Environment.GetEnvironmentVariable("MODELGALLERY_ONEDNN"), cache.Read(signature), ReportedL3Bytes,
            () => VerifyAndCache(OneDnnVerifier.Default, cache));
        Verdict = decision.Verdict;
        if (decision.Enabled && decision.IsaCap is { } cap && string.IsNullOrEmpty(NativeEnvironment.Get(OneDnnVerifier.IsaVariable)))
        {
            NativeEnvironment.Set(OneDnnVerifier.IsaVariable, cap);
        }

        if (decision.Enabled || Switch.Value is not { } found)
        {
            return;
        }

        found.Set(found.Context(), 0);
        DisabledReason = decision.Reason;
    }

    private static NativeSwitch Required() => Switch.Value ?? throw new PlatformNotSupportedException(
        "libtorch's oneDNN switch (at::Context::setUserEnabledMkldnn) was not found in torch_cpu on this platform.");

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
