using System.Buffers.Binary;
using System.Text;
using ModelGallery.Models;
using ModelGallery.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>Broken and hostile files: each gets a clear exception and leaves the model exactly as it was.</summary>
public sealed class BrokenFileTests : TempFolder
{
    [Fact]
    public void A_truncated_safetensors_file()
    {
        byte[] whole = File.ReadAllBytes(Fixture.Path("lenet5.safetensors"));

        RejectFile("truncated.safetensors", whole[..(whole.Length / 2)], "*data beyond the file's*");
    }

    [Fact]
    public void A_safetensors_file_shorter_than_its_length_prefix()
    {
        RejectFile("tiny.safetensors", [1, 2, 3], "*8-byte header length*3 bytes*");
    }

    [Fact]
    public void A_truncated_torch_save_file()
    {
        byte[] whole = File.ReadAllBytes(Fixture.Path("lenet5.pt"));

        RejectFile("truncated.pt", whole[..(whole.Length / 2)], "*");
    }

    [Fact]
    public void A_torch_save_file_with_the_wrong_magic()
    {
        RejectFile("not-a-zip.pt", Encoding.ASCII.GetBytes("GIF89a, not a checkpoint"), "*zip archive starting with 'PK\\x03\\x04' or a legacy*pickle starting with 8002, but this one starts with 47494638*");
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x03, 0x71, 0x00 }, "*a legacy (before PyTorch 1.6) pickle starting with 8002, but this one starts with 80037100 (not a checkpoint)*")]
    [InlineData(new byte[] { 0x00, 0x02, 0x71, 0x00 }, "*but this one starts with 00027100 (not a checkpoint)*")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x05, 0x00, 0x00 }, "*but this one starts with 504B0305 (not a checkpoint)*")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03 }, "*but this one starts with 504B03 (not a checkpoint)*")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04 }, "*the PyTorch reader failed*")] // a zip's signature and nothing else
    public void A_file_that_starts_as_neither_a_zip_nor_a_legacy_pickle_shows_its_first_bytes(byte[] content, string message)
    {
        RejectFile("neither.pt", content, message);
    }

    [Fact]
    public void A_zip_whose_entries_inflate_beyond_64_times_the_file_is_refused_before_reading()
    {
        string path = Path.Combine(Folder, "bomb.pt");
        using (var archive = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            using (var pickle = archive.CreateEntry("bomb/data.pkl").Open())
            {
                pickle.Write(new byte[10]);
            }

            using var storage = archive.CreateEntry("bomb/data/0", System.IO.Compression.CompressionLevel.SmallestSize).Open();
            storage.Write(new byte[1 << 20]);
        }

        Reject(path, $"*its entries claim 1,048,586 bytes uncompressed from a {new FileInfo(path).Length:N0}-byte file (corrupt or hostile).");
    }

    [Fact]
    public void A_storage_that_is_not_a_whole_number_of_elements_is_refused()
    {
        string path = Path.Combine(Folder, "odd.pt");
        using (var source = System.IO.Compression.ZipFile.OpenRead(Fixture.Path("lenet5.pt")))
        using (var copy = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            bool changed = false;
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var output = copy.CreateEntry(entry.FullName, System.IO.Compression.CompressionLevel.NoCompression).Open();
                input.CopyTo(output);
                if (!changed && entry.FullName.EndsWith("/data/0", StringComparison.Ordinal))
                {
                    output.WriteByte(0); // one byte more than its float32 elements
                    changed = true;
                }
            }

            changed.Should().BeTrue();
        }

        Reject(path, "*storage '*/data/0' has * bytes: not a whole number of Float32 elements, or above the 2 GB a storage may have here.");
    }

    [Fact]
    public void A_zip_that_is_not_a_checkpoint()
    {
        string path = Path.Combine(Folder, "other.zip.pt");
        using (var archive = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Create))
        {
            archive.CreateEntry("readme.txt");
        }

        Reject(path, "*no data.pkl*");
    }

    [Fact]
    public void A_safetensors_header_length_beyond_the_file()
    {
        RejectFile("beyond.safetensors", SafeTensors(header: "{}", claimedLength: 4096), "*4,096 bytes but only 2 follow*");
    }

    [Fact]
    public void An_absurd_safetensors_header_length_is_refused_without_allocating_it()
    {
        RejectFile("absurd.safetensors", SafeTensors(header: "{}", claimedLength: 1UL << 60), "*more than the*accepted*");
    }

    [Fact]
    public void A_safetensors_header_that_is_not_json()
    {
        RejectFile("garbage.safetensors", SafeTensors(header: "{not json"), "*not JSON*");
    }

    [Fact]
    public void An_unsupported_dtype()
    {
        RejectFile("f8.safetensors", SafeTensors("""{"conv1.weight":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", data: 1), "*unsupported or missing dtype*");
    }

    [Fact]
    public void Data_offsets_that_disagree_with_the_shape()
    {
        RejectFile("offsets.safetensors", SafeTensors("""{"conv1.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}""", data: 8), "*needs 16 bytes*");
    }

    [Fact]
    public void Weights_of_the_wrong_dtype()
    {
        string path = Path.Combine(Folder, "float64.safetensors");
        using (var doubles = new LeNet5())
        {
            doubles.to(float64);
            doubles.SaveWeights(path);
        }

        var error = Reject<WeightsMismatchException>(path, "*Float32 [6, 3, 5, 5] in the model but Float64 [6, 3, 5, 5] in the file*");
        error.Report.Mismatched.Should().HaveCount(10);
    }

    [Fact]
    public void Finite_weights_of_the_wrong_shapes()
    {
        string path = Path.Combine(Folder, "one-channel.pt");
        using (var other = new LeNet5(inChannels: 1))
        {
            other.SaveWeights(path);
        }

        var error = Reject<WeightsMismatchException>(path, "*'conv1.weight' is Float32 [6, 3, 5, 5] in the model but Float32 [6, 1, 5, 5] in the file*");
        error.Report.Mismatched.Select(m => m.Key).Should().Equal("conv1.weight");
    }

    [Fact]
    public void A_pickle_naming_unexpected_globals_is_refused_and_never_run()
    {
        const string marker = "/tmp/modelgallery-hostile-pickle-ran";
        File.Delete(marker);

        Reject(Fixture.Path("hostile-globals.pt"), "*");

        File.Exists(marker).Should().BeFalse("nothing in the file may be executed");
    }

    [Fact]
    public void A_missing_file()
    {
        using var model = new LeNet5();

        FluentActions.Invoking(() => model.LoadWeights(Path.Combine(Folder, "absent.pt"))).Should().Throw<FileNotFoundException>().WithMessage("*absent.pt*");
    }

    [Fact]
    public void A_safetensors_header_naming_a_tensor_twice()
    {
        const string header = "{\"fc3.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"fc3.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";

        RejectFile("twice.safetensors", SafeTensors(header, data: 8), "*twice.safetensors' is not a valid weights file: its header names 'fc3.bias' twice*");
    }

    [Fact]
    public void A_directory_is_named_as_a_directory()
    {
        string folder = Path.Combine(Folder, "weights.safetensors");
        Directory.CreateDirectory(folder);

        Reject(folder, "*weights.safetensors*is a directory*");
    }

    private void RejectFile(string name, byte[] content, string message)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, content);
        Reject(path, message);
    }

    private static void Reject(string path, string message) => Reject<WeightsFileException>(path, message);

    private static T Reject<T>(string path, string message)
        where T : Exception
    {
        using var model = new LeNet5();
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var error = FluentActions.Invoking(() => model.LoadWeights(path)).Should().Throw<T>().WithMessage(message).Which;

        foreach (var (key, tensor) in model.state_dict())
        {
            TestTensors.Same(tensor, before[key]).Should().BeTrue("'{0}' must be as before the failed load", key);
        }

        return error;
    }

    private static byte[] SafeTensors(string header, ulong? claimedLength = null, int data = 0)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + data];
        BinaryPrimitives.WriteUInt64LittleEndian(file, claimedLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }
}
