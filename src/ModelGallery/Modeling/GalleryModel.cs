using ModelGallery.Layers;
using ModelGallery.Native;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// What every gallery model shares: the input shape it accepts, its class count, its classifier layers, the README
/// rows it is built from, and a <c>forward</c> that checks its input and returns logits (no softmax: that belongs to
/// the loss in training and to <see cref="GalleryModel.Predict"/>). Every operation goes through one usage gate, so
/// inference on several threads is safe and anything that changes the model waits for no one: it takes the model
/// exclusively or is refused as busy.
/// </summary>
public abstract partial class GalleryModel : nn.Module<Tensor, Tensor>, IStagedModel, IWeightsLayout, IGuardedModule
{
    private readonly ModelExecution execution = new();

    /// <summary>Checks the arguments every model shares and builds the module.</summary>
    /// <param name="name">The model's name (its class name), used in every message.</param>
    /// <param name="input">The input the network takes, from the model's own constants.</param>
    /// <param name="numClasses">The class count, at least 1.</param>
    private protected GalleryModel(string name, InputShape input, int numClasses)
        : base(TorchRuntime.EnsureLoaded(Checked(name, input, numClasses))) // libtorch loads before the base's first native call (a static constructor's failure would leave the type unusable)
    {
        Input = input;
        NumClasses = numClasses;
        Usage = new ModelUsage(name) { ModelChanging = UnfoldBatchNorm };
    }

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

    /// <summary>The final classifier: the fully connected layer that maps features to <see cref="NumClasses"/> logits.</summary>
    public TorchSharp.Modules.Linear Classifier => field ??= (TorchSharp.Modules.Linear)named_modules().Single(m => m.name == ClassifierModules[0]).module;

    /// <summary>Whether the model runs channels-last (NHWC memory order, see <see cref="UseChannelsLast"/>).</summary>
    public bool ChannelsLast => execution.ChannelsLast;

    /// <summary>Whether the model computes in bfloat16 (see <see cref="UseBFloat16"/>); its inputs and outputs stay float32.</summary>
    public bool BFloat16 => execution.BFloat16;

    /// <inheritdoc/>
    IReadOnlyList<long> IStagedModel.SampleShape => [Input.Channels, Input.Height, Input.Width];

    /// <inheritdoc/>
    IReadOnlyList<string> IWeightsLayout.OptionalModules => OptionalModules;

    /// <inheritdoc cref="IWeightsLayout.OptionalModules"/>
    private protected IReadOnlyList<string> OptionalModules { get; set; } = [];

    /// <summary>Which operations run on the model now; see <see cref="ModelUsage"/>.</summary>
    internal ModelUsage Usage { get; }

    /// <inheritdoc/>
    ModelUsage IGuardedModule.Usage => Usage;

    /// <summary>
    /// Switches the model to channels-last memory order: convolution weights are re-laid out as NHWC, and
    /// <c>forward</c> re-lays out its input likewise, so that every convolution, pooling and normalisation runs on
    /// NHWC data, which libtorch's CPU kernels process markedly faster. Outputs equal the plain layout's within float
    /// rounding. Call it before creating an optimizer: the weights become new <see cref="TorchSharp.Modules.Parameter"/>
    /// objects. Loading weights afterwards keeps the layout.
    /// </summary>
    /// <returns>This model, for chaining.</returns>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public GalleryModel UseChannelsLast()
    {
        using var lease = Usage.EnterExclusive(nameof(UseChannelsLast));
        execution.UseChannelsLast(this);
        return this;
    }

    /// <summary>
    /// Opts in to bfloat16 inference: the weights are converted to bfloat16, and <c>forward</c> and <c>Predict</c>
    /// convert each float32 input to bfloat16 and the logits back to float32, so callers change nothing else. On CPUs
    /// with AVX512-BF16 libtorch then runs about 2× faster; the logits differ from float32's by bfloat16's 8-bit
    /// mantissa. Load weights first: a bfloat16 model's state_dict is bfloat16. The speed comes from oneDNN: where
    /// <see cref="Native.OneDnn.Enabled"/> is false, libtorch's bfloat16 convolutions are tens of times slower than
    /// float32 (VGG-16 at batch 32: 23 s per call), so check it before opting in.
    /// </summary>
    /// <returns>This model, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The weights are not float32, or another operation is running on the model.</exception>
    public GalleryModel UseBFloat16()
    {
        using var lease = Usage.EnterExclusive(nameof(UseBFloat16));
        execution.UseBFloat16(this);
        return this;
    }

    /// <summary>Runs the network on a batch of images.</summary>
    /// <param name="input">A float tensor of shape <see cref="Input"/>, that is <c>N×C×H×W</c> with N ≥ 1.</param>
    /// <returns>Logits of shape <c>N×NumClasses</c>.</returns>
    /// <remarks>
    /// NaN and infinite values are not checked here (that would cost a pass over every batch); they propagate to the
    /// logits, as in PyTorch. <see cref="GalleryModel.Predict"/> rejects them.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The input's rank, channel count or spatial size does not match <see cref="Input"/>, the batch is empty, its dtype
    /// is not the weights' (float32 unless converted), or it is on another device than the model.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The model, or the input tensor, has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another thread is changing the model (loading weights, training, switching modes).</exception>
    /// <exception cref="InsufficientMemoryException">The batch does not fit in memory.</exception>
    public sealed override Tensor forward(Tensor input) => Guarded(input, nameof(forward), x => Output(ForwardRows(x)));

    /// <summary>
    /// Sets training (or, with false, eval) mode, as <c>nn.Module.train</c> does, but only while nothing else runs on the
    /// model: a mode switch during another thread's inference would change that thread's results.
    /// </summary>
    /// <param name="train">True for training mode, false for eval mode.</param>
    /// <exception cref="ObjectDisposedException">The model has been disposed.</exception>
    /// <exception cref="InvalidOperationException">Another operation is running on the model.</exception>
    public override void train(bool train = true)
    {
        using var lease = Usage.EnterExclusive(train ? "train()" : "eval()", changesModel: train); // eval() keeps a batch-norm fold
        base.train(train);
    }

    /// <summary>The checked input through the network, in its precision and layout; the caller holds a lease.</summary>
    internal Tensor Run(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Output(ForwardRows(execution.Prepare(input)));
    }

    /// <summary>
    /// The frame of every entry point that runs the network: a shared lease, the input check, a dispose scope, the
    /// input in the model's precision and layout, and a typed error when memory runs out. <paramref name="body"/>
    /// returns its tensors through <see cref="Output"/>.
    /// </summary>
    private protected TResult Guarded<TResult>(Tensor input, string operation, Func<Tensor, TResult> body)
    {
        using var lease = Usage.EnterShared(operation);
        CheckInput(input);
        try
        {
            using var scope = NewDisposeScope();
            return body(execution.Prepare(input));
        }
        catch (Exception e) when (NativeMemory.IsAllocationFailure(e))
        {
            throw NativeMemory.Failure($"{GetName()} has not enough memory for a batch of shape [{string.Join(", ", input.shape)}]; use smaller batches", e);
        }
    }

    /// <summary>A result tensor in the input's precision, moved out of the current dispose scope.</summary>
    private protected Tensor Output(Tensor tensor) => execution.Finish(tensor).MoveToOuterDisposeScope();

    /// <summary>
    /// Runs a model constructor's body (its layers, <c>RegisterComponents</c>, its rows). An argument out of range or
    /// layers that do not fit in memory come out as the same exception type, naming the model first (and, for memory,
    /// its class count and input channels).
    /// </summary>
    /// <param name="body">The constructor's body.</param>
    private protected void Build(Action body)
    {
        try
        {
            body();
        }
        catch (InsufficientMemoryException e)
        {
            throw new InsufficientMemoryException($"{GetName()} with {NumClasses:N0} classes and {Input.Channels:N0} input channels does not fit in memory. {e.Message}", e);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException(e.ParamName, e.ActualValue, $"{GetName()}: {RawMessage(e)}");
        }
    }

    /// <summary>The network up to its final classifier, one line per README row (a checked, prepared input, in a dispose scope).</summary>
    private protected abstract Tensor ForwardFeatureRows(Tensor input);

    /// <summary>The final classifier on the features: N × <see cref="NumClasses"/> logits.</summary>
    private protected abstract Tensor ForwardHeadRows(Tensor features);

    /// <summary>The whole network: by default the head on the features.</summary>
    private protected virtual Tensor ForwardRows(Tensor input) => ForwardHeadRows(ForwardFeatureRows(input));

    /// <summary>Disposes the model's tensors; afterwards every operation throws <see cref="ObjectDisposedException"/>.</summary>
    /// <param name="disposing">True when called from <see cref="IDisposable.Dispose"/>.</param>
    /// <exception cref="InvalidOperationException">Another thread is using the model.</exception>
    protected override void Dispose(bool disposing)
    {
        if (Usage?.Close() ?? true) // null only when a constructor threw before the usage existed
        {
            if (disposing)
            {
                UnfoldBatchNorm(); // the folded tensors are the model's own, not registered with libtorch's module
            }

            base.Dispose(disposing);
        }
    }

    private static string RawMessage(ArgumentException e) =>
        e.ParamName is { } name && e.Message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal) is var at and >= 0 ? e.Message[..at] : e.Message;

    private static string Checked(string name, InputShape input, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (numClasses <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"{name}: numClasses must be at least 1; received {numClasses}.");
        }

        if (input.Channels <= 0)
        {
#pragma warning disable CA2208 // the caller's parameter is inChannels: the constructor of each model takes it so
            throw new ArgumentOutOfRangeException("inChannels", input.Channels, $"{name}: inChannels must be at least 1; received {input.Channels}.");
#pragma warning restore CA2208
        }

        return name;
    }
}
