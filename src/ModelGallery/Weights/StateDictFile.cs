using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Weights;

/// <summary>
/// Reads and writes state_dicts in safetensors and torch.save's formats. Reading checks the file's structure first, so
/// that a broken or hostile file fails with a <see cref="WeightsFileException"/> before anything large is allocated, and
/// then reads only the tensors asked for (<see cref="StoredStateDict"/>). Safetensors files are written by
/// TorchSharp.PyBridge, torch.save files by <see cref="TorchSaveWriter"/>.
/// </summary>
internal static class StateDictFile
{
    public static WeightsFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".safetensors" => WeightsFormat.SafeTensors,
        ".pt" or ".pth" or ".bin" => WeightsFormat.PyTorch,
        var other => throw new ArgumentException(
            $"Cannot tell the weights format of '{path}' from its extension '{other}': expected .safetensors, .pt, .pth or .bin, or pass the format explicitly.", nameof(path)),
    };

    /// <summary>Reads every tensor of the file (tests and whole-file tools; a load reads only what it loads); the caller owns them.</summary>
    public static Dictionary<string, Tensor> Read(string path, WeightsFormat format)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var file = Open(stream, path, format);
        return file.ReadAll();
    }

    /// <summary>
    /// Checks a seekable stream's structure and describes its tensors without reading them; <paramref name="path"/>
    /// names it in errors. The stream must stay open while the result is used; dispose the result.
    /// </summary>
    /// <exception cref="WeightsFileException">The stream is not a valid file of <paramref name="format"/>.</exception>
    public static StoredStateDict Open(Stream stream, string path, WeightsFormat format)
    {
        try
        {
            return format == WeightsFormat.SafeTensors ? SafeTensorsFile.Read(path, stream) : TorchSaveFile.Read(path, stream);
        }
        catch (Exception e) when (e is not WeightsFileException and not OutOfMemoryException)
        {
            throw new WeightsFileException(path, $"the {format} reader failed: {e.Message}", e);
        }
    }

    public static void Write(Stream stream, Dictionary<string, Tensor> stateDict, WeightsFormat format)
    {
        if (format == WeightsFormat.SafeTensors)
        {
            Safetensors.SaveStateDict(stream, stateDict, leaveOpen: true);
        }
        else
        {
            TorchSaveWriter.Write(stream, stateDict);
        }
    }
}
