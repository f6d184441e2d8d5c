using ModelGallery.Modeling;
using ModelGallery.Models;
using ModelGallery.Onnx;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Onnx;

/// <summary>Runs exported graphs in ONNX Runtime and compares them with TorchSharp.</summary>
internal static class OnnxRuntimeCheck
{
    /// <summary>The largest absolute difference allowed between TorchSharp's and ONNX Runtime's outputs.</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>Gives every batch norm non-trivial running statistics, so that the export of eval-mode batch norm is really exercised.</summary>
    public static void RandomiseBatchNormStatistics(nn.Module model, Generator generator)
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is TorchSharp.Modules.BatchNorm2d bn)
            {
                bn.running_mean!.copy_(randn(bn.running_mean.shape, generator: generator) * 0.1);
                bn.running_var!.copy_(rand(bn.running_var.shape, generator: generator) + 0.5);
            }
        }
    }

    /// <summary>The model's logits for <paramref name="images"/> in eval mode, as float32 values.</summary>
    public static float[] TorchLogits(GalleryModel model, Tensor images)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        return model.call(images).data<float>().ToArray();
    }

    /// <summary>A bare module written to ONNX through the exporter's layer writer, with a symbolic batch axis.</summary>
    public static byte[] ExportModule(nn.Module module, long[] sampleShape)
    {
        var graph = new OnnxGraph("module");
        graph.Input(OnnxExport.InputName, OnnxExport.BatchAxis, sampleShape);
        var output = new OnnxLayerWriter(graph).Write(string.Empty, module, new OnnxLayerWriter.Value(OnnxExport.InputName, sampleShape));
        graph.RenameLastOutput(OnnxExport.OutputName);
        graph.Output(OnnxExport.OutputName, OnnxExport.BatchAxis, output.Shape);
        return Google.Protobuf.MessageExtensions.ToByteArray(OnnxExport.Wrap(graph, "one module"));
    }

    /// <summary>Runs a graph with any output rank on one input in ONNX Runtime.</summary>
    public static float[] RunGraph(byte[] onnx, Tensor input)
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(onnx);
        float[] values = input.contiguous().data<float>().ToArray();
        using var value = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(values, input.shape);
        using var options = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var outputs = session.Run(options, [OnnxExport.InputName], [value], [OnnxExport.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>The largest absolute difference between two equally long arrays.</summary>
    public static float MaxDifference(float[] a, float[] b)
    {
        a.Should().HaveSameCount(b);
        return a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
    }
}
