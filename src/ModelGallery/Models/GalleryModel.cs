using ModelGallery.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Models;

/// <summary>
/// What every gallery model shares: the input shape it accepts, its class count, the README rows it is built
/// from, and a <c>forward</c> that checks its input and returns logits (no softmax: that belongs to the loss
/// in training and to prediction helpers).
/// </summary>
public abstract class GalleryModel : nn.Module<Tensor, Tensor>
{
    private protected GalleryModel(string name, int inChannels, int height, int width, int numClasses, int? minSize = null)
        : base(Checked(name, inChannels, numClasses))
    {
        Input = new InputShape(inChannels, height, width, minSize);
        NumClasses = numClasses;
        Usage = new ModelUsage(name);
    }

    /// <summary>Which operations run on the model now; see <see cref="ModelUsage"/>.</summary>
    internal ModelUsage Usage { get; }

    /// <summary>The shape of one input image.</summary>
    public InputShape Input { get; }

    /// <summary>The number of classes, the size of each output row.</summary>
    public int NumClasses { get; }

    /// <summary>The README table's rows (after the Input row), in order, with the submodules that compute each.</summary>
    public IReadOnlyList<ModelStage> Stages { get; private protected set; } = [];

    /// <summary>
    /// The state_dict prefixes of the layers whose shape depends on <see cref="NumClasses"/> (the final classifier,
    /// and those of auxiliary classifiers): what <c>LoadOptions.ExceptClassifier</c> leaves out.
    /// </summary>
    public IReadOnlyList<string> ClassifierModules { get; private protected set; } = [];

    /// <summary>
    /// state_dict prefixes of modules that a weights file for this network may hold although this instance does not
    /// build them (GoogLeNet's auxiliary classifiers): <c>LoadWeights</c> leaves their keys out and reports them as
    /// skipped, as torchvision does when it drops the auxiliary heads after loading.
    /// </summary>
    internal IReadOnlyList<string> OptionalModules { get; private protected init; } = [];

    /// <summary>
    /// Whether the model runs channels-last (NHWC memory order, see <see cref="UseChannelsLast"/>). The tensors'
    /// shapes and values are the same either way; only the order of their elements in memory differs.
    /// </summary>
    public bool ChannelsLast { get; private set; }

    /// <summary>
    /// Switches the model to channels-last memory order: convolution weights are re-laid out as NHWC, and
    /// <c>forward</c> re-lays out its input likewise, so that every convolution, pooling and normalisation runs on
    /// NHWC data, which libtorch's CPU kernels process markedly faster (max-pooling most of all). Outputs equal the
    /// plain layout's within float rounding. Call it before creating an optimizer: the weights become new
    /// <see cref="TorchSharp.Modules.Parameter"/> objects. Loading weights afterwards keeps the layout.
    /// </summary>
    /// <returns>This model, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public GalleryModel UseChannelsLast()
    {
        using var lease = Usage.EnterExclusive(nameof(UseChannelsLast));
        if (ChannelsLast)
        {
            return this;
        }

        foreach (var (_, module) in named_modules())
        {
            if (module is TorchSharp.Modules.Conv2d { weight: { } weight } conv)
            {
                // A fresh tensor, not a view: autograd and optimizers then treat it as any other leaf.
                using (no_grad())
                {
                    conv.weight = new TorchSharp.Modules.Parameter(ChannelsLastCopy(weight, weight.dtype), weight.requires_grad);
                }
            }
        }

        ChannelsLast = true;
        return this;
    }

    /// <summary>
    /// Whether the model computes in bfloat16 (see <see cref="UseBFloat16"/>); its inputs and outputs stay float32.
    /// </summary>
    public bool BFloat16 { get; private set; }

    /// <summary>
    /// Opts in to bfloat16 inference: the weights are converted to bfloat16, and <c>forward</c> and
    /// <see cref="Predict"/> convert each float32 input to bfloat16 and the logits back to float32, so callers change
    /// nothing else. On CPUs with AVX512-BF16 (such as Zen 4/5) libtorch then runs about 2× faster; the logits differ
    /// from float32's by bfloat16's 8-bit mantissa (the README gives the measured accuracy difference). For inference:
    /// load weights and call <see cref="UseChannelsLast"/> in any order, but load weights first, since a bfloat16
    /// model's state_dict is bfloat16.
    /// </summary>
    /// <returns>This model, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The weights are not float32, or another operation is running on the model.</exception>
    public GalleryModel UseBFloat16()
    {
        using var lease = Usage.EnterExclusive(nameof(UseBFloat16));
        if (BFloat16)
        {
            return this;
        }

        ScalarType current = parameters().First().dtype;
        if (current != ScalarType.Float32)
        {
            throw new InvalidOperationException($"{GetName()}: UseBFloat16 converts a float32 model; this one's weights are {current}.");
        }

        this.to(ScalarType.BFloat16); // keeps each tensor's memory order, so channels-last survives
        BFloat16 = true;
        return this;
    }

    /// <summary>Runs the network on a batch of images.</summary>
    /// <param name="input">A float tensor of shape <see cref="Input"/>, that is <c>N×C×H×W</c> with N ≥ 1.</param>
    /// <returns>Logits of shape <c>N×NumClasses</c>.</returns>
    /// <remarks>
    /// NaN and infinite values are not checked here (that would cost a pass over every batch); they propagate to the
    /// logits, as in PyTorch. <see cref="Predict"/> rejects them.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The input's rank, channel count or spatial size does not match <see cref="Input"/>, the batch is empty, its dtype
    /// is not the weights' (float32 unless converted), or it is on another device than the model.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is changing the model (loading weights, training, switching modes).</exception>
    public sealed override Tensor forward(Tensor input)
    {
        using var lease = Usage.EnterShared("forward");
        CheckInput(input);
        return Run(input);
    }

    /// <summary>The checked input through the network, in its precision and layout; the caller holds a lease.</summary>
    private Tensor Run(Tensor input)
    {
        try
        {
            using var scope = NewDisposeScope();
            return Finished(ForwardRows(Prepared(input))).MoveToOuterDisposeScope();
        }
        catch (Exception e) when (NativeMemory.IsAllocationFailure(e))
        {
            throw NativeMemory.Failure($"{GetName()} has not enough memory for a batch of shape [{string.Join(", ", input.shape)}]; use smaller batches", e);
        }
    }

    /// <summary>
    /// Sets training (or, with false, eval) mode, as <c>nn.Module.train</c> does, but only while nothing else runs on the
    /// model: a mode switch during another thread's inference would change that thread's results.
    /// </summary>
    /// <param name="train">True for training mode, false for eval mode.</param>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public override void train(bool train = true)
    {
        using var lease = Usage.EnterExclusive(train ? "train()" : "eval()");
        base.train(train);
    }

    /// <summary>Disposes the model's tensors; afterwards every operation throws <see cref="ObjectDisposedException"/>.</summary>
    /// <param name="disposing">True when called from <see cref="IDisposable.Dispose"/>.</param>
    /// <exception cref="InvalidOperationException">Another thread is using the model.</exception>
    protected override void Dispose(bool disposing)
    {
        if (Usage?.Close() ?? true) // null only when a constructor threw before the usage existed
        {
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// Classifies a batch: softmax over the logits, then the <paramref name="topK"/> most probable classes of each
    /// image, most probable first. Runs in eval mode with inference mode and a dispose scope, and restores the
    /// model's training mode afterwards.
    /// </summary>
    /// <param name="images">A batch of preprocessed images, as for <c>forward</c>.</param>
    /// <param name="topK">How many classes to return per image, 1 to <see cref="NumClasses"/>.</param>
    /// <param name="labels">Class names, <see cref="NumClasses"/> of them, or null.</param>
    /// <returns>For each image, its top classes.</returns>
    /// <remarks>
    /// Safe to call from several threads at once on a model in eval mode. On a model in training mode it switches to
    /// eval mode and back, so it then needs the model to itself; a conflicting call throws
    /// <see cref="InvalidOperationException"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The images do not fit <see cref="Input"/>, contain NaN or infinite values, or the labels are not one per class.</exception>
    /// <exception cref="InvalidOperationException">Training, a weights load, a summary or a mode switch is running on the model on another thread.</exception>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="topK"/> is outside 1 to <see cref="NumClasses"/>.</exception>
    public IReadOnlyList<IReadOnlyList<Prediction>> Predict(Tensor images, int topK = 1, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(images);

        // Shared in eval mode; exclusive when the mode must be switched. Decided under the usage gate, and no one can
        // change the mode while any lease is held, so reading it again here gives the same answer.
        using var lease = Usage.Enter("Predict", wantsExclusive: () => training);
        bool wasTraining = training;
        CheckInput(images, nameof(images));
        if (topK < 1 || topK > NumClasses)
        {
            throw new ArgumentOutOfRangeException(nameof(topK), topK, $"{GetName()}: topK must lie in 1 to {NumClasses}; received {topK}.");
        }

        if (labels is not null && labels.Count != NumClasses)
        {
            throw new ArgumentException($"{GetName()} has {NumClasses} classes but {labels.Count} labels were given.", nameof(labels));
        }

        try
        {
            if (wasTraining)
            {
                eval();
            }

            using var inference = inference_mode();
            using var scope = NewDisposeScope();
            if (!images.isfinite().all().item<bool>())
            {
                throw new ArgumentException($"{GetName()}.Predict received images with NaN or infinite values; probabilities would be meaningless.", nameof(images));
            }

            var (values, indices) = Run(images).softmax(1).topk(topK, dim: 1);
            float[] probabilities = values.to(ScalarType.Float32).cpu().data<float>().ToArray();
            long[] classes = indices.cpu().data<long>().ToArray();
            return [.. Enumerable.Range(0, (int)images.shape[0]).Select(image => (IReadOnlyList<Prediction>)[.. Enumerable.Range(0, topK).Select(k =>
            {
                int index = (int)classes[(image * topK) + k];
                return new Prediction(index, labels?[index], probabilities[(image * topK) + k]);
            })])];
        }
        finally
        {
            if (wasTraining)
            {
                train();
            }
        }
    }

    /// <summary>Throws if <paramref name="input"/> is null or does not fit <see cref="Input"/>.</summary>
    internal void CheckInput(Tensor input, string paramName = "input")
    {
        ArgumentNullException.ThrowIfNull(input, paramName);
        Input.Validate(GetName(), input, paramName);
        var reference = parameters().First();
        ScalarType expected = BFloat16 ? ScalarType.Float32 : reference.dtype;
        if (input.dtype != expected)
        {
            string whose = BFloat16 ? "it computes in bfloat16 but takes float32 images" : "the dtype of its weights";
            throw new ArgumentException(
                $"{GetName()} expects {expected} input ({whose}) but received {input.dtype} [{string.Join(", ", input.shape)}]. " +
                "Convert images with .to(ScalarType.Float32), or the model with .to(...) if you mean another precision.",
                paramName);
        }

        if (input.device_type != reference.device_type || input.device_index != reference.device_index)
        {
            throw new ArgumentException($"{GetName()} is on {reference.device} but the input is on {input.device}; move one of them with .to(device).", paramName);
        }
    }

    /// <summary>
    /// The input in the model's precision and memory order (see <see cref="BFloat16"/>, <see cref="ChannelsLast"/>):
    /// at most one copy, which converts layout and precision in the same pass.
    /// </summary>
    private protected Tensor Prepared(Tensor input)
    {
        ScalarType dtype = BFloat16 ? ScalarType.BFloat16 : input.dtype;
        if (ChannelsLast && !input.stride().SequenceEqual(ChannelsLastStrides(input.shape)))
        {
            return ChannelsLastCopy(input, dtype);
        }

        return input.dtype == dtype ? input : input.to(dtype); // to() keeps the memory order
    }

    /// <summary>An output back in the input's precision (float32 when computing in bfloat16).</summary>
    private protected Tensor Finished(Tensor output) => BFloat16 ? output.to(ScalarType.Float32) : output;

    /// <summary>The strides of an N×C×H×W tensor stored NHWC.</summary>
    private static long[] ChannelsLastStrides(long[] shape) => [shape[1] * shape[2] * shape[3], 1, shape[1] * shape[3], shape[1]];

    /// <summary>A new tensor with NHWC strides holding <paramref name="tensor"/>'s values in <paramref name="dtype"/>.</summary>
    private static Tensor ChannelsLastCopy(Tensor tensor, ScalarType dtype)
    {
        Tensor copy = empty_strided(tensor.shape, ChannelsLastStrides(tensor.shape), dtype, tensor.device);
        copy.copy_(tensor);
        return copy;
    }

    /// <summary>
    /// The exception a constructor throws when its layers do not fit in memory (a huge class or channel count): it
    /// names the model and the counts, then the layer that failed.
    /// </summary>
    private protected InsufficientMemoryException TooLarge(InsufficientMemoryException e) =>
        new($"{GetName()} with {NumClasses:N0} classes and {Input.Channels:N0} input channels does not fit in memory. {e.Message}", e);

    /// <summary>The network itself, one line per README row; called with a checked input inside a dispose scope.</summary>
    private protected abstract Tensor ForwardRows(Tensor input);

    /// <summary>Checks that a dropout probability lies in [0, 1), naming the model and the parameter.</summary>
    private protected void CheckDropout(double p, string paramName)
    {
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(paramName, p, $"{GetName()}: {paramName} must lie in [0, 1); received {p}.");
        }
    }

    private static string Checked(string name, int inChannels, int numClasses)
    {
        if (numClasses <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{name}: numClasses must be at least 1; received {numClasses}.");
        }

        if (inChannels <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, $"{name}: inChannels must be at least 1; received {inChannels}.");
        }

        return TorchRuntime.EnsureLoaded(name);
    }
}
