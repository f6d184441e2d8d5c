using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ModelGallery.Tests.Sensitivity;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// What SaveWeights writes, PyTorch reads: torchvision's own network loads the file with strict=True and gets the same
/// tensors, byte for byte (Fixtures/check_saved_weights.py, run with Debian's PyTorch, which CI installs). The models
/// have seeded random weights and calibrated batch norms, so every buffer (running mean and variance, batches
/// tracked) differs from a fresh model's: a saver that dropped or zeroed one kind of tensor fails here.
/// </summary>
public sealed class PyTorchReadsSavedWeightsTests : TempFolder
{
    private const string Python = "/usr/bin/python3";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    [Theory]
    [InlineData("resnet18", "resnet18")]
    [InlineData("googlenet-torchvision", "googlenet")]
    public void PyTorch_loads_a_saved_file_strictly_and_gets_the_same_tensors(string model, string torchvisionName)
    {
        using var saved = SensitiveModels.Create(model, seed: 7);
        string file = Path.Combine(Folder, $"{model}.pt");
        saved.SaveWeights(file);

        var read = RunPython(file, torchvisionName, saved.NumClasses);

        var ours = saved.state_dict();
        read.Keys.Should().BeEquivalentTo(ours.Keys);
        foreach (var (key, tensor) in ours)
        {
            var theirs = read[key];
            theirs.Shape.Should().Equal(tensor.shape, key);
            theirs.Dtype.Should().Be(tensor.dtype switch { TorchSharp.torch.ScalarType.Float32 => "float32", TorchSharp.torch.ScalarType.Int64 => "int64", var other => other.ToString() }, key);
            theirs.Sha256.Should().Be(Convert.ToHexStringLower(SHA256.HashData(tensor.cpu().contiguous().bytes)), "PyTorch must read {0} as saved", key);
        }

        ours.Keys.Where(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).Should().NotBeEmpty("the check must cover integer buffers too");
    }

    private static Dictionary<string, Entry> RunPython(string file, string model, int classes)
    {
        File.Exists(Python).Should().BeTrue("Debian's PyTorch (apt-get install python3-torchvision) reads the saved file; .ci/run installs it");
        string script = Path.Combine(RepoPaths.Root, "tests", "ModelGallery.Tests", "Fixtures", "check_saved_weights.py");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { script, file, model, classes.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("the check should take seconds");
        process.ExitCode.Should().Be(0, "PyTorch must load the file strictly; it said: {0}", stderr.Result);
        return JsonSerializer.Deserialize<Dictionary<string, Entry>>(stdout.Result, Json)!;
    }

    private sealed record Entry(string Dtype, long[] Shape, string Sha256);
}
