using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Native;

/// <summary>
/// The canary: every convolution shape family the registered models run (1×1 and 1×1/2, 3×3 and 3×3/2, 5×5, 7×7/2,
/// 11×11/4; none is grouped), at batch 1 and 16, NCHW and channels-last, forward and backward, computed with oneDNN on
/// and off in this process. It switches <see cref="OneDnn.Enabled"/> back and forth, so it runs in a child process (see
/// <see cref="OneDnnVerifier"/>), where a crash in oneDNN cannot take the caller down.
/// </summary>
internal static class OneDnnCanary
{
    /// <summary>The version of the case set; part of <see cref="OneDnnSignature"/>, so changing the cases asks for a new check.</summary>
    public const int Version = 1;

    /// <summary>
    /// The largest accepted relative error. float32 sums of up to 12,544 products differ between summation orders by
    /// about 1e-6 of the scale (measured: see the README); the wrong values seen on the failing guests were 1e-2 to 1e-1.
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <summary>The batch sizes: a single image and a batch of 16 (where libtorch's blocking and threading change).</summary>
    public static readonly int[] Batches = [1, 16];

    /// <summary>The shape families, each with the channel counts of a layer that uses it (spatial sizes reduced to keep the check short).</summary>
    public static readonly IReadOnlyList<CanaryShape> Shapes =
    [
        new("1x1/1", Kernel: 1, Stride: 1, Padding: 0, InChannels: 256, OutChannels: 64, Size: 14),    // ResNet-50 bottleneck, Inception reductions
        new("1x1/2", Kernel: 1, Stride: 2, Padding: 0, InChannels: 256, OutChannels: 512, Size: 14),   // ResNet downsampling shortcut
        new("3x3/1", Kernel: 3, Stride: 1, Padding: 1, InChannels: 64, OutChannels: 64, Size: 28),     // VGG, ResNet, Inception
        new("3x3/1", Kernel: 3, Stride: 1, Padding: 1, InChannels: 3, OutChannels: 64, Size: 32),      // VGG-16 conv1_1 (3 input channels)
        new("3x3/2", Kernel: 3, Stride: 2, Padding: 1, InChannels: 128, OutChannels: 128, Size: 28),   // ResNet stage entry
        new("5x5/1", Kernel: 5, Stride: 1, Padding: 2, InChannels: 64, OutChannels: 192, Size: 13),    // AlexNet conv2, Inception 5x5
        new("5x5/1", Kernel: 5, Stride: 1, Padding: 0, InChannels: 1, OutChannels: 6, Size: 32),       // LeNet-5 C1
        new("7x7/2", Kernel: 7, Stride: 2, Padding: 3, InChannels: 3, OutChannels: 64, Size: 64),      // ResNet, GoogLeNet stem
        new("11x11/4", Kernel: 11, Stride: 4, Padding: 2, InChannels: 3, OutChannels: 64, Size: 127),  // AlexNet conv1
    ];

    /// <summary>Runs every case; <paramref name="perturbation"/> (a fraction of the output's scale) is added to oneDNN's output, to plant a wrong result.</summary>
    /// <param name="starting">Called with each case's name and the cases done before it runs (the child records them, so a crash names its case).</param>
    /// <param name="perturbation">Added to every value oneDNN computes, times the reference output's scale; 0 in a real check.</param>
    /// <param name="shapes">The shapes to run; null for <see cref="Shapes"/>.</param>
    /// <returns>The cases in order, and the seconds spent with oneDNN on and off.</returns>
    public static (List<OneDnnCaseResult> Cases, double OneDnnSeconds, double ReferenceSeconds) Run(
        Action<string, IReadOnlyList<OneDnnCaseResult>>? starting = null, double perturbation = 0, IEnumerable<CanaryShape>? shapes = null)
    {
        TorchRuntime.EnsureLoaded(nameof(OneDnnCanary));
        bool before = OneDnn.Enabled;
        var on = new Stopwatch();
        var off = new Stopwatch();
        var cases = new List<OneDnnCaseResult>();
        try
        {
            int seed = 0;
            foreach (var shape in shapes ?? Shapes)
            {
                foreach (int batch in Batches)
                {
                    foreach (bool channelsLast in new[] { false, true })
                    {
                        string name = shape.Describe();
                        starting?.Invoke($"{name} b{batch} {(channelsLast ? "NHWC" : "NCHW")}", cases);
                        cases.Add(RunCase(shape, batch, channelsLast, ++seed, perturbation, on, off));
                    }
                }
            }
        }
        finally
        {
            OneDnn.Enabled = before;
        }

        return (cases, on.Elapsed.TotalSeconds, off.Elapsed.TotalSeconds);
    }

    private static OneDnnCaseResult RunCase(CanaryShape shape, int batch, bool channelsLast, int seed, double perturbation, Stopwatch on, Stopwatch off)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        int outSize = ((shape.Size + (2 * shape.Padding) - shape.Kernel) / shape.Stride) + 1;
        Tensor input = Layout(randn([batch, shape.InChannels, shape.Size, shape.Size], generator: generator), channelsLast);
        Tensor weight = Layout(randn([shape.OutChannels, shape.InChannels, shape.Kernel, shape.Kernel], generator: generator), channelsLast);
        Tensor bias = randn([shape.OutChannels], generator: generator);
        Tensor gradient = Layout(randn([batch, shape.OutChannels, outSize, outSize], generator: generator), channelsLast);

        var reference = Compute(shape, input, weight, bias, gradient, enabled: false, off);
        var onednn = Compute(shape, input, weight, bias, gradient, enabled: true, on);
        Tensor output = perturbation == 0 ? onednn.Output : onednn.Output + (perturbation * Scale(reference.Output));
        return new OneDnnCaseResult(shape.Describe(), batch, channelsLast,
            RelativeError(output, reference.Output), RelativeError(onednn.InputGradient, reference.InputGradient),
            RelativeError(onednn.WeightGradient, reference.WeightGradient), Tolerance);
    }

    /// <summary>One forward and backward pass with oneDNN <paramref name="enabled"/> or not, timed by <paramref name="clock"/>.</summary>
    private static (Tensor Output, Tensor InputGradient, Tensor WeightGradient) Compute(
        CanaryShape shape, Tensor input, Tensor weight, Tensor bias, Tensor gradient, bool enabled, Stopwatch clock)
    {
        OneDnn.Enabled = enabled;
        Tensor x = input.detach().requires_grad_(true);
        Tensor w = weight.detach().requires_grad_(true);
        clock.Start();
        Tensor y = nn.functional.conv2d(x, w, bias, strides: [shape.Stride, shape.Stride], padding: [shape.Padding, shape.Padding]);
        y.backward([gradient]);
        clock.Stop();
        return (y.detach(), x.grad!, w.grad!);
    }

    /// <summary>max |actual − expected| / max |expected|: the error as a fraction of the output's scale.</summary>
    internal static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        double difference = (actual - expected).abs().max().ToDouble();
        return difference / Math.Max(Scale(expected), double.Epsilon);
    }

    private static double Scale(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.abs().max().ToDouble();
    }

    /// <summary>The tensor itself (NCHW), or a channels-last copy of it.</summary>
    private static Tensor Layout(Tensor tensor, bool channelsLast)
    {
        if (!channelsLast)
        {
            return tensor;
        }

        long[] s = tensor.shape;
        Tensor copy = empty_strided(s, [s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]], tensor.dtype);
        copy.copy_(tensor);
        return copy;
    }
}

/// <summary>One convolution shape family of the canary, with the channels of a layer that uses it.</summary>
internal sealed record CanaryShape(string Family, int Kernel, int Stride, int Padding, int InChannels, int OutChannels, int Size)
{
    /// <summary>E.g. <c>3x3/1 64→64 28²</c>.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Family} {InChannels}→{OutChannels} {Size}²");
}
