using System.Formats.Tar;
using System.Text;
using ModelGallery.Models;
using ModelGallery.Tests.Pretrained;
using ModelGallery.Weights;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// torch.save's legacy format (PyTorch before 1.6: pickles, then raw storages), in which torchvision's VGG-16 and
/// GoogLeNet files are: valid files load bit-exact, broken and hostile ones are refused naming the problem, nothing is
/// run. Fixtures: Fixtures/generate_legacy_fixtures.py (committed) and generate_pretrained_fixtures.py (generated).
/// </summary>
public sealed class LegacyTorchSaveTests : TempFolder
{
    [Theory]
    [InlineData("legacy/lenet5.pt")] // torch.save(lenet5.safetensors' tensors, _use_new_zipfile_serialization=False)
    [InlineData("legacy/lenet5-views.pt")] // one storage: offsets and gaps, channels-last 4-D weights, transposed 2-D ones
    public void LeNet5_saved_legacy_loads_bit_exact(string file)
    {
        using var expected = new LeNet5();
        expected.LoadWeights(Fixture.Path("lenet5.safetensors"));
        using var model = new LeNet5();

        var report = model.LoadWeights(Fixture.Path(file));

        report.IsComplete.Should().BeTrue();
        report.Loaded.Should().HaveCount(10);
        foreach (var (key, tensor) in expected.state_dict())
        {
            TestTensors.Same(model.state_dict()[key], tensor).Should().BeTrue("'{0}' of {1} must equal lenet5.safetensors'", key, file);
        }
    }

    [Fact]
    public void Every_storage_type_loads_bit_exact_in_the_files_order()
    {
        using var scope = NewDisposeScope();
        var expected = Safetensors.LoadStateDict(Fixture.Path("legacy/dtypes.expected.safetensors"));

        var actual = StateDictFile.Read(Fixture.Path("legacy/dtypes.pt"), WeightsFormat.PyTorch);

        actual.Keys.Should().Equal("bn.num_batches_tracked", "counts", "float64", "float64_tail", "float16", "bfloat16", "int32", "int16", "int8", "uint8", "bool", "empty");
        actual["bn.num_batches_tracked"].dtype.Should().Be(ScalarType.Int64);
        actual["bn.num_batches_tracked"].shape.Should().BeEmpty();
        actual["bn.num_batches_tracked"].item<long>().Should().Be(1234567890123);
        actual["counts"][0].item<long>().Should().Be(-(1L << 62));
        actual["float64"].dtype.Should().Be(ScalarType.Float64);
        actual["float64"].shape.Should().Equal(4, 3);
        actual["float64"][1, 0].item<double>().Should().Be((1 / 7.0) - 0.5);
        actual["float64_tail"].shape.Should().Equal(2, 4);
        actual["float64_tail"][0, 0].item<double>().Should().Be((4 / 7.0) - 0.5, "a view into the float64 storage at offset 4");
        foreach (var (key, tensor) in expected)
        {
            TestTensors.Same(actual[key], tensor).Should().BeTrue("'{0}' ({1}) must equal the reference", key, tensor.dtype);
        }
    }

    [Fact]
    public void A_storage_view_of_PyTorch_before_1_0_loads_at_its_offset()
    {
        using var scope = NewDisposeScope();

        // Root storage '7' holds 10..17; view '9' is its elements 2..7 (12..17); the tensors' offsets are into the view.
        var actual = StateDictFile.Read(Fixture.Path("legacy/storage-view.pt"), WeightsFormat.PyTorch);

        actual["root"].data<float>().ToArray().Should().Equal(11, 12, 13);
        actual["view"].data<float>().ToArray().Should().Equal(13, 15, 14, 16);
        actual["tail"].data<float>().ToArray().Should().Equal(17);
    }

    [Theory]
    [InlineData("huge-count.pt", "*storage '1' claims 4,611,686,018,427,387,904 Float32 elements, but only 0 bytes are left in the file*")]
    [InlineData("huge-numel.pt", "*storage '1' declares 4,611,686,018,427,387,904 Float32 elements of 4 bytes, more than the whole 334-byte file holds*")]
    [InlineData("count-mismatch.pt", "*storage '1' has 3 elements, but its persistent id declared 4*")]
    [InlineData("beyond-storage.pt", "*tensor 'w' (shape [10], strides [1], offset 0) reaches beyond its storage '1' of 4 elements*")]
    [InlineData("big-endian.pt", "*sys_info does not say little_endian=True*big-endian*")]
    [InlineData("wrong-magic.pt", "*its first pickle is 0x1950a86a20f9469cfc6d, not torch.save's magic number 0x1950a86a20f9469cfc6c*")]
    [InlineData("wrong-protocol.pt", "*its protocol version is 1000, but torch.save's legacy format has 1001*")]
    [InlineData("unlisted-key.pt", "*its list of storage keys [] does not match the storages the tensors use ([1])*")]
    [InlineData("unknown-key.pt", "*its list of storage keys [1, 2] does not match the storages the tensors use ([1])*")]
    [InlineData("keys-not-a-list.pt", "*the pickle after the state_dict is not the list of storage keys.")]
    [InlineData("keys-not-strings.pt", "*the pickle after the state_dict is not the list of storage keys.")]
    [InlineData("not-a-dict.pt", "*it holds a list, not a state_dict: only plain state_dicts of tensors are read.")]
    [InlineData("not-a-tensor.pt", "*entry 'w' is not a tensor (a call of torch._utils._rebuild_tensor_v2 with a storage, an offset, a size and strides)*")]
    [InlineData("five-arguments.pt", "*entry 'w' is not a tensor*")]
    [InlineData("v1-with-v2-arguments.pt", "*entry 'w' is not a tensor*")]
    [InlineData("named-twice.pt", "*its state_dict names 'w' twice; which of the two tensors is meant is undefined.")]
    [InlineData("dtype-conflict.pt", "*storage '1' is declared as 4 Float32 elements and as 4 Float64 elements*")]
    public void A_broken_legacy_file_is_refused_naming_the_problem(string file, string message)
    {
        string path = Fixture.Path($"legacy/{file}");

        Reject(path, $"'{path}' is not a valid weights file: {message}");
    }

    [Fact]
    public void A_legacy_pickle_naming_os_system_is_refused_and_never_run()
    {
        const string marker = "/tmp/modelgallery-hostile-pickle-ran";
        File.Delete(marker);

        Reject(Fixture.Path("legacy/hostile-globals.pt"), "*at byte*names the global 'posix.system', which a state_dict never uses; it is refused and nothing in the file is run*");

        File.Exists(marker).Should().BeFalse("nothing in the file may be executed");
    }

    [Theory]
    [InlineData(2, "*at byte 2: the file ends inside a pickle (truncated?)*")] // just the PROTO opcode
    [InlineData(40, "*at byte 27: its pickle needs 16 bytes here, but only 8 are left in the 40-byte file (truncated?)*")] // inside sys_info
    [InlineData(-1, "*claims*Float32 elements, but only*bytes are left in the file (truncated or corrupt)*")] // the last storage
    [InlineData(-1_000, "*claims*Float32 elements, but only*bytes are left in the file (truncated or corrupt)*")] // a storage at the end
    [InlineData(-100_000, "*declares 48,000 Float32 elements of 4 bytes, more than the whole 149,313-byte file holds (truncated, corrupt or hostile)*")] // fc1.weight, before reading
    public void A_truncated_legacy_file_is_refused(int length, string message)
    {
        byte[] whole = File.ReadAllBytes(Fixture.Path("legacy/lenet5.pt"));
        string path = Path.Combine(Folder, "truncated.pt");
        File.WriteAllBytes(path, whole[..(length > 0 ? length : whole.Length + length)]);

        Reject(path, message);
    }

    [Fact]
    public void Bytes_after_the_pickle_opcode_that_are_no_pickle_are_refused()
    {
        string path = Path.Combine(Folder, "not-a-pickle.pt");
        File.WriteAllBytes(path, [0x80, 0x02, .. Encoding.ASCII.GetBytes("a legacy pickle, not a zip")]);

        Reject(path, "*not-a-pickle.pt' is not a valid weights file: at byte 2: its pickle adds items to something that is not a list or dict*");
    }

    [Fact]
    public void A_tar_file_of_PyTorch_before_0_4_is_refused_by_name()
    {
        string path = Path.Combine(Folder, "ancient.pt");
        using (var file = File.Create(path))
        using (var tar = new TarWriter(file, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "storages") { DataStream = new MemoryStream([0x80, 0x02, (byte)'K', 0, (byte)'.']) });
        }

        Reject(path, "*ancient.pt' is not a valid weights file: it is a tar archive: torch.save's format of PyTorch before 0.4, which is not supported*");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void GoogLeNet_saved_legacy_loads_exactly_as_the_zip_file()
    {
        var zip = PretrainedFixture.WeightsFile(PretrainedFixture.Case("googlenet"));
        string legacy = Path.Combine(Path.GetDirectoryName(zip)!, "googlenet-legacy.pth");
        File.Exists(legacy).Should().BeTrue("generate_pretrained_fixtures.py --weights writes it beside {0}", zip);
        using var fromZip = GoogLeNet.ImageNet1K.Load(zip, verifyHash: false);

        using var fromLegacy = GoogLeNet.ImageNet1K.Load(legacy, verifyHash: false);

        using (var scope = NewDisposeScope())
        {
            var zipTensors = StateDictFile.Read(zip, WeightsFormat.PyTorch);
            var legacyTensors = StateDictFile.Read(legacy, WeightsFormat.PyTorch);
            legacyTensors.Keys.Should().BeEquivalentTo(zipTensors.Keys, "the same state_dict, aux heads included (the zip reader does not keep the order)");
            legacyTensors.Should().HaveCount(364);
            foreach (var (key, tensor) in zipTensors)
            {
                TestTensors.Same(legacyTensors[key], tensor).Should().BeTrue("'{0}' of the legacy file must equal the zip file's", key);
            }
        }

        var expected = fromZip.state_dict();
        var actual = fromLegacy.state_dict();
        actual.Keys.Should().Equal(expected.Keys);
        foreach (var (key, tensor) in expected)
        {
            TestTensors.Same(actual[key], tensor).Should().BeTrue("'{0}' of the model loaded from the legacy file must equal the zip-loaded model's", key);
        }
    }

    private static void Reject(string path, string message)
    {
        using var model = new LeNet5();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        FluentActions.Invoking(() => model.LoadWeights(path)).Should().Throw<WeightsFileException>().WithMessage(message);

        foreach (var (key, tensor) in model.state_dict())
        {
            TestTensors.Same(tensor, before[key]).Should().BeTrue("'{0}' must be as before the failed load", key);
        }
    }
}
