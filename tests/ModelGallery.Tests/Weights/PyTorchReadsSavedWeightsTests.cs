using System.Buffers.Binary;
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
[Collection(nameof(LargeModels))]
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

    [Fact]
    public void Every_entry_is_stored_uncompressed_with_its_data_at_a_64_byte_boundary_as_torch_save_writes_it()
    {
        using var model = new ModelGallery.Models.LeNet5();
        string file = Path.Combine(Folder, "lenet5.pt");
        model.SaveWeights(file);

        // The local headers, walked by hand (APPNOTE 4.3.7): signature, version, flags, method at 8, sizes at 18 and 22,
        // name and extra-field lengths at 26 and 28, then the name, the extra field and the data.
        byte[] bytes = File.ReadAllBytes(file);
        var entries = new List<string>();
        for (int at = 0; BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) == 0x04034b50;)
        {
            int method = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 8));
            int size = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 18)));
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 26));
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 28));
            string name = System.Text.Encoding.UTF8.GetString(bytes, at + 30, nameLength);
            int data = at + 30 + nameLength + extraLength;

            method.Should().Be(0, "{0} must be stored, as torch.save stores it", name);
            (data % 64).Should().Be(0, "{0}'s data must start at a 64-byte boundary, as torch.save aligns it", name);
            System.Text.Encoding.ASCII.GetString(bytes, at + 30 + nameLength, 2).Should().Be("FB", "PyTorch pads with an FB extra field");
            entries.Add(name);
            at = data + size;
        }

        entries.Should().Equal(["archive/data.pkl", .. Enumerable.Range(0, model.state_dict().Count).Select(i => $"archive/data/{i}"), "archive/version"]);
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
