namespace ModelGallery.Benchmarks;

/// <summary>How a forward pass runs.</summary>
public enum Engine
{
    /// <summary>The eager TorchSharp model, NCHW.</summary>
    TorchSharp,

    /// <summary>The eager TorchSharp model after <c>UseChannelsLast()</c>.</summary>
    TorchSharpChannelsLast,

    /// <summary>ONNX Runtime on ModelGallery's export.</summary>
    OnnxRuntime,

    /// <summary>ONNX Runtime on PyTorch's export of the same architecture.</summary>
    OnnxRuntimePyTorchExport,

    /// <summary>The eager model after <c>UseChannelsLast()</c> and <c>UseBFloat16()</c> (the optional bfloat16 opt-in).</summary>
    TorchSharpBFloat16,
}
