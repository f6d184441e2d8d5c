using Onnx;
using TorchSharp.Modules;

namespace ModelGallery.Onnx;

/// <summary>The pooling layers: max and average windows, and adaptive averages written exactly for the export size.</summary>
internal sealed partial class OnnxLayerWriter
{
    private Value WriteMaxPool(string path, MaxPool2d pool, Value input)
    {
        long[] dilation = Pair(pool.dilation ?? [1]);
        if (dilation.Any(d => d != 1))
        {
            throw new NotSupportedException($"ONNX export writes max-pools without dilation; '{path}' has dilation [{string.Join(", ", dilation)}].");
        }

        return WritePool("MaxPool", path, input, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, countsPadding: false);
    }

    private Value WriteAvgPool(string path, AvgPool2d pool, Value input)
    {
        if (pool.divisor_override is not null)
        {
            throw new NotSupportedException($"ONNX has no divisor override for average pooling ('{path}').");
        }

        return WritePool("AveragePool", path, input, pool.kernel_size, pool.stride, pool.padding, pool.ceil_mode, pool.count_include_pad,
            OnnxGraph.Int("count_include_pad", pool.count_include_pad ? 1 : 0));
    }

    /// <summary>
    /// A max or average pool: the window attributes both share, and PyTorch's output size. ONNX's ceil mode keeps a last
    /// window that starts in the right padding where PyTorch drops it; there the pool is written in floor mode with the
    /// end padding that gives PyTorch's count (a max, or an average that does not count padding, is the same over it).
    /// </summary>
    private Value WritePool(string opType, string path, Value input, long[] kernelSize, long[]? strideSize, long[]? paddingSize, bool ceil, bool countsPadding, params AttributeProto[] extra)
    {
        long[] kernel = Pair(kernelSize), stride = Pair(strideSize ?? kernelSize), padding = Pair(paddingSize ?? [0]);
        long[] size = input.Shape[1..], counts = new long[2], end = [.. padding];
        bool dropped = false;
        for (int axis = 0; axis < 2; axis++)
        {
            counts[axis] = PooledSize(size[axis], kernel[axis], stride[axis], padding[axis], ceil, out bool drops);
            dropped |= drops;
        }

        if (dropped)
        {
            if (countsPadding)
            {
                throw new NotSupportedException($"ONNX export cannot write the ceil-mode average pool '{path}': PyTorch drops its last window, which starts in the padding, and counts padding in the average.");
            }

            for (int axis = 0; axis < 2; axis++)
            {
                end[axis] = Math.Max(padding[axis], ((counts[axis] - 1) * stride[axis]) + kernel[axis] - size[axis] - padding[axis]);
            }
        }

        string output = graph.Node(opType, path, [input.Name],
        [
            OnnxGraph.Ints("kernel_shape", kernel),
            OnnxGraph.Ints("strides", stride),
            OnnxGraph.Ints("pads", padding[0], padding[1], end[0], end[1]),
            OnnxGraph.Int("ceil_mode", ceil && !dropped ? 1 : 0),
            .. extra,
        ]);
        return new Value(output, [input.Shape[0], counts[0], counts[1]]);
    }

    /// <summary>
    /// Adaptive pooling at the exported input size: a global average, the identity, or in general
    /// <c>A_h · x · A_wᵀ</c> with PyTorch's averaging windows as matrices (two <c>MatMul</c>s), which is exact for any
    /// input and output sizes, smaller or larger.
    /// </summary>
    private Value WriteAdaptiveAvgPool(string path, AdaptiveAvgPool2d pool, Value input)
    {
        long[] size = Pair(pool.output_size);
        long height = input.Shape[1], width = input.Shape[2];
        if (size is [1, 1])
        {
            return new Value(graph.Node("GlobalAveragePool", path, [input.Name]), [input.Shape[0], 1, 1]);
        }

        if (size[0] == height && size[1] == width)
        {
            return input;
        }

        string columns = graph.Node("MatMul", Join(path, "columns"), [input.Name, graph.Initializer(Join(path, "columns_matrix"), AveragingMatrix(width, size[1], transpose: true), width, size[1])]);
        string output = graph.Node("MatMul", path, [graph.Initializer(Join(path, "rows_matrix"), AveragingMatrix(height, size[0], transpose: false), size[0], height), columns]);
        return new Value(output, [input.Shape[0], size[0], size[1]]);
    }

    /// <summary>
    /// The <c>outputs×inputs</c> matrix (or its transpose) whose row i averages PyTorch's adaptive window
    /// <c>[⌊i·in/out⌋, ⌈(i+1)·in/out⌉)</c>.
    /// </summary>
    private static float[] AveragingMatrix(long inputs, long outputs, bool transpose)
    {
        float[] matrix = new float[inputs * outputs];
        for (long i = 0; i < outputs; i++)
        {
            long start = i * inputs / outputs, end = (((i + 1) * inputs) + outputs - 1) / outputs;
            for (long j = start; j < end; j++)
            {
                matrix[transpose ? (j * outputs) + i : (i * inputs) + j] = 1f / (end - start);
            }
        }

        return matrix;
    }

    /// <summary>
    /// PyTorch's pooled size, including its ceil-mode rule that the last window must start inside the input or left
    /// padding; <paramref name="drops"/> tells whether that rule removed a window ONNX's ceil mode would keep.
    /// </summary>
    private static long PooledSize(long size, long kernel, long stride, long padding, bool ceil, out bool drops)
    {
        long span = size + (2 * padding) - kernel;
        long count = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
        drops = ceil && (count - 1) * stride >= size + padding;
        return drops ? count - 1 : count;
    }
}
