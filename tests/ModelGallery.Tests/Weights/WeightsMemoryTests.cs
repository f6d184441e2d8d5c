using System.Diagnostics;
using System.Text;
using ModelGallery.Models;
using ModelGallery.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// Loading costs at most the file's storages plus the model's own tensors, however many names a file gives one storage
/// (issue 27, item 1: 3,000 names on one 4 MB storage took the process down). The files come from PyTorch
/// (Fixtures/generate_aliased_files.py, run once per class): LeNet-5's tensors plus <see cref="Aliases"/> names on
/// fc1.weight's storage, or as stride-0 views repeating a 16-float storage 64 times, in the zip and legacy formats.
/// The proof counts the tensors TorchSharp creates on this thread during a load: reading every name would create at
/// least one per name; reading only what LeNet-5 loads creates a few per model tensor (storage, view, copy).
/// </summary>
public sealed class WeightsMemoryTests : TempFolder, IClassFixture<WeightsMemoryTests.AliasedFiles>
{
    private const int Aliases = 500;

    /// <summary>LeNet-5 has 10 tensors; a storage, a strided view and a copy for each, with room to spare.</summary>
    private const int MaxTensorsPerLoad = 60;

    private readonly AliasedFiles files;

    public WeightsMemoryTests(AliasedFiles files) => this.files = files;

    [Theory]
    [InlineData("aliased.pt")]
    [InlineData("aliased.legacy.pt")]
    [InlineData("broadcast.pt")]
    [InlineData("broadcast.legacy.pt")]
    public void Names_the_model_does_not_have_are_never_read(string file)
    {
        using var model = new LeNet5();

        long before = Created();
        var report = model.LoadWeights(files.Path(file), new LoadOptions { Strict = false });
        long created = Created() - before;

        report.Unexpected.Should().HaveCount(Aliases);
        report.Loaded.Should().HaveCount(10, "every LeNet-5 tensor is in the file");
        created.Should().BeLessThan(MaxTensorsPerLoad, "{0} names the model does not have must not be materialised", Aliases);
        ExpectLeNet5Weights(model);
    }

    [Theory]
    [InlineData("aliased.pt")]
    [InlineData("broadcast.legacy.pt")]
    public void A_strict_load_that_fails_reads_no_tensor_at_all(string file)
    {
        using var model = new LeNet5();

        long before = Created();
        FluentActions.Invoking(() => model.LoadWeights(files.Path(file))).Should().Throw<WeightsMismatchException>();

        (Created() - before).Should().BeLessThan(10, "names and shapes are compared before any data is read");
    }

    [Theory]
    [InlineData("parameters.pt")]
    [InlineData("parameters.legacy.pt")]
    public void A_state_dict_of_nn_Parameters_loads_as_PyTorch_loads_it(string file)
    {
        using var model = new LeNet5();

        model.LoadWeights(files.Path(file)).IsComplete.Should().BeTrue();

        ExpectLeNet5Weights(model);
    }

    [Fact]
    public void Overlapping_safetensors_ranges_are_refused_naming_both_tensors()
    {
        // Two float32 tensors of 4 elements on the same 16 bytes, and a third overlapping their last 8.
        const string header = """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"c":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""";
        byte[] json = Encoding.UTF8.GetBytes(header);
        string path = Path.Combine(Folder, "overlap.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. new byte[16]]);
        using var model = new LeNet5();

        FluentActions.Invoking(() => model.LoadWeights(path, new LoadOptions { Strict = false }))
            .Should().Throw<WeightsFileException>()
            .WithMessage("*the data of tensor '?' (bytes * to 16) overlaps that of '?' (bytes 0 to 16); each tensor of a safetensors file has its own bytes (corrupt or hostile file).");
    }

    [Fact]
    public void Adjacent_and_empty_safetensors_ranges_are_not_overlaps()
    {
        const string header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"e":{"dtype":"F32","shape":[0],"data_offsets":[8,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""";
        byte[] json = Encoding.UTF8.GetBytes(header);
        string path = Path.Combine(Folder, "adjacent.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f), .. BitConverter.GetBytes(3f), .. BitConverter.GetBytes(4f)]);

        var tensors = StateDictFile.Read(path, WeightsFormat.SafeTensors);

        tensors["a"].data<float>().ToArray().Should().Equal(1f, 2f);
        tensors["b"].data<float>().ToArray().Should().Equal(3f, 4f);
        tensors["e"].shape.Should().Equal(0);
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>The tensors TorchSharp has created on this thread so far, in dispose scopes or not.</summary>
    private static long Created() => DisposeScopeManager.Statistics.CreatedInScopeCount + DisposeScopeManager.Statistics.CreatedOutsideScopeCount;

    private static void ExpectLeNet5Weights(LeNet5 model)
    {
        using var scope = NewDisposeScope();
        var expected = StateDictFile.Read(Fixture.Path("lenet5.pt"), WeightsFormat.PyTorch);
        foreach (var (key, tensor) in model.state_dict())
        {
            tensor.data<float>().ToArray().Should().Equal(expected[key].data<float>().ToArray(), key);
        }
    }

    /// <summary>The files of Fixtures/generate_aliased_files.py, written once for the class.</summary>
    public sealed class AliasedFiles : IDisposable
    {
        private readonly string folder = Directory.CreateTempSubdirectory("modelgallery-aliased-").FullName;

        public AliasedFiles()
        {
            const string python = "/usr/bin/python3";
            File.Exists(python).Should().BeTrue("Debian's PyTorch (apt-get install python3-torchvision) writes the files; .ci/run installs it");
            string script = System.IO.Path.Combine(RepoPaths.Root, "tests", "ModelGallery.Tests", "Fixtures", "generate_aliased_files.py");
            var start = new ProcessStartInfo(python) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in new[] { script, folder, Fixture.Path("lenet5.pt"), Aliases.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit(TimeSpan.FromMinutes(2)).Should().BeTrue("writing the files should take seconds");
            process.ExitCode.Should().Be(0, "PyTorch must write the files; it said: {0}", stderr.Result);
        }

        public string Path(string name) => System.IO.Path.Combine(folder, name);

        public void Dispose() => Directory.Delete(folder, recursive: true);
    }
}
