using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Modeling;

/// <summary>
/// How a model computes: its memory order (channels-last or not) and precision (bfloat16 or the weights' own), and
/// the conversions of weights, inputs and outputs each of them needs. A model holds one; its gate guards it.
/// </summary>
internal sealed class ModelExecution
{
    /// <summary>Whether convolution weights and inputs are laid out NHWC.</summary>
    public bool ChannelsLast { get; private set; }

    /// <summary>Whether the model computes in bfloat16 behind float32 inputs and outputs.</summary>
    public bool BFloat16 { get; private set; }

    /// <summary>Re-lays out every convolution weight NHWC, as fresh leaf parameters.</summary>
    public void UseChannelsLast(nn.Module model)
    {
        if (ChannelsLast)
        {
            return;
        }

        foreach (var (_, module) in model.named_modules())
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
    }

    /// <summary>Converts a float32 model to bfloat16, keeping each tensor's memory order.</summary>
    public void UseBFloat16(nn.Module model)
    {
        if (BFloat16)
        {
            return;
        }

        ScalarType current = model.parameters().First().dtype;
        if (current != ScalarType.Float32)
        {
            throw new InvalidOperationException($"{model.GetName()}: UseBFloat16 converts a float32 model; this one's weights are {current}.");
        }

        model.to(ScalarType.BFloat16);
        BFloat16 = true;
    }

    /// <summary>The dtype inputs must have: float32 when computing in bfloat16, otherwise the weights'.</summary>
    public ScalarType InputType(ScalarType weights) => BFloat16 ? ScalarType.Float32 : weights;

    /// <summary>The input in the model's precision and memory order: at most one copy, converting both in one pass.</summary>
    public Tensor Prepare(Tensor input)
    {
        ScalarType dtype = BFloat16 ? ScalarType.BFloat16 : input.dtype;
        if (ChannelsLast && !IsChannelsLast(input))
        {
            return ChannelsLastCopy(input, dtype);
        }

        return input.dtype == dtype ? input : input.to(dtype); // to() keeps the memory order
    }

    /// <summary>An output back in the input's precision (float32 when computing in bfloat16).</summary>
    public Tensor Finish(Tensor output) => BFloat16 ? output.to(ScalarType.Float32) : output;

    /// <summary>
    /// Whether a rank-4 tensor is stored NHWC with no gaps: its strides equal <see cref="ChannelsLastStrides"/>. Read
    /// size by size and stride by stride (a native call each) rather than through <c>shape</c> and <c>stride()</c>,
    /// which marshal arrays and cost a few microseconds on every forward.
    /// </summary>
    private static bool IsChannelsLast(Tensor input)
    {
        long c = input.size(1), h = input.size(2), w = input.size(3);
        return input.stride(1) == 1 && input.stride(3) == c && input.stride(2) == c * w && input.stride(0) == c * h * w;
    }

    /// <summary>The strides of an N×C×H×W tensor stored NHWC.</summary>
    private static long[] ChannelsLastStrides(long[] shape) => [shape[1] * shape[2] * shape[3], 1, shape[1] * shape[3], shape[1]];

    /// <summary>A new tensor with NHWC strides holding <paramref name="tensor"/>'s values in <paramref name="dtype"/>.</summary>
    private static Tensor ChannelsLastCopy(Tensor tensor, ScalarType dtype)
    {
        Tensor copy = empty_strided(tensor.shape, ChannelsLastStrides(tensor.shape), dtype, tensor.device);
        copy.copy_(tensor);
        return copy;
    }
}
