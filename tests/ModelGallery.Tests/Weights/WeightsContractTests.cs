using System.Buffers.Binary;
using System.Text;
using ModelGallery.Models;
using ModelGallery.Weights;
using static TorchSharp.torch;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// The weights API's promises around the tensors: argument checks, strict loading by default, the wording of a
/// mismatch, the formats an extension names, every safetensors dtype the reader accepts and its header checks at their
/// boundaries. Written for the survivors of the Weights area's mutation run.
/// </summary>
public sealed class WeightsContractTests : TempFolder
{
    [Fact]
    public void Missing_arguments_are_refused_by_name()
    {
        using var model = new LeNet5();
        string path = Path.Combine(Folder, "w.safetensors");

        FluentActions.Invoking(() => ((nn.Module)null!).SaveWeights(path)).Should().Throw<ArgumentNullException>().WithParameterName("module");
        FluentActions.Invoking(() => model.SaveWeights(string.Empty)).Should().Throw<ArgumentException>().WithParameterName("path");
        FluentActions.Invoking(() => ((nn.Module)null!).LoadWeights(path)).Should().Throw<ArgumentNullException>().WithParameterName("module");
        FluentActions.Invoking(() => model.LoadWeights(string.Empty)).Should().Throw<ArgumentException>().WithParameterName("path");
        FluentActions.Invoking(() => ((nn.Module)null!).LoadWeights(Stream.Null, "w", WeightsFormat.SafeTensors)).Should().Throw<ArgumentNullException>().WithParameterName("module");
        FluentActions.Invoking(() => model.LoadWeights((Stream)null!, "w", WeightsFormat.SafeTensors)).Should().Throw<ArgumentNullException>().WithParameterName("stream");
        File.Exists(path).Should().BeFalse();
    }

    [Fact]
    public void Loading_is_strict_unless_asked_otherwise_and_a_mismatch_lists_each_problem_in_words()
    {
        new LoadOptions().Strict.Should().BeTrue();
        string path = Path.Combine(Folder, "renamed.safetensors");
        using (var scope = NewDisposeScope())
        using (var source = new LeNet5())
        {
            var state = source.state_dict().ToDictionary(e => e.Key, e => e.Value);
            state["fc4.bias"] = state["fc3.bias"];
            state.Remove("fc3.bias");
            TorchSharp.PyBridge.Safetensors.SaveStateDict(path, state);
        }

        using var model = new LeNet5();
        var error = FluentActions.Invoking(() => model.LoadWeights(path)).Should().Throw<WeightsMismatchException>().Which;

        error.Message.Should().Contain(
            "  - missing: 'fc3.bias' is in the model but not in the file" + Environment.NewLine +
            "  - unexpected: 'fc4.bias' is in the file but not in the model");
    }

    [Theory]
    [InlineData("w.safetensors", WeightsFormat.SafeTensors)]
    [InlineData("w.pt", WeightsFormat.PyTorch)]
    [InlineData("w.PTH", WeightsFormat.PyTorch)]
    [InlineData("pytorch_model.bin", WeightsFormat.PyTorch)]
    public void The_extension_names_the_format(string name, WeightsFormat format)
    {
        StateDictFile.FormatOf(name).Should().Be(format);
    }

    [Theory]
    [InlineData("F64", ScalarType.Float64, 8)]
    [InlineData("F32", ScalarType.Float32, 4)]
    [InlineData("F16", ScalarType.Float16, 2)]
    [InlineData("BF16", ScalarType.BFloat16, 2)]
    [InlineData("I64", ScalarType.Int64, 8)]
    [InlineData("I32", ScalarType.Int32, 4)]
    [InlineData("I16", ScalarType.Int16, 2)]
    [InlineData("I8", ScalarType.Int8, 1)]
    [InlineData("U8", ScalarType.Byte, 1)]
    [InlineData("BOOL", ScalarType.Bool, 1)]
    public void Every_safetensors_dtype_the_format_defines_for_weights_is_read(string dtype, ScalarType type, int size)
    {
        // Two elements of `size` bytes each, all bits zero (zero in every dtype); and a __metadata__ entry, which is not a tensor.
        string path = Write("dtype.safetensors", $$$"""{"__metadata__":{"format":"pt"},"t":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,{{{2 * size}}}]}}""", 2 * size);

        var tensors = StateDictFile.Read(path, WeightsFormat.SafeTensors);
        try
        {
            tensors.Keys.Should().Equal("t");
            tensors["t"].dtype.Should().Be(type);
            tensors["t"].shape.Should().Equal(2);
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    public static TheoryData<string, int, string> BadHeaders => new()
    {
        { """["t"]""", 0, "*its header is not a JSON object.*" },
        { """{"t":{"shape":[1],"data_offsets":[0,4]}}""", 4, "*tensor 't' has an unsupported or missing dtype (none); supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.*" },
        { """{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "*tensor 't' has a malformed shape or data_offsets*" },
        { """{"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", 4, "*tensor 't' has a malformed shape or data_offsets*" },
        { """{"t":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", 4, "*tensor 't' has a malformed shape or data_offsets*" },
        { """{"t":{"dtype":"F32","shape":[1],"data_offsets":"0,4"}}""", 4, "*tensor 't' has a malformed shape or data_offsets*" },
        { """{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", 4, "*or data beyond the file's 4 data bytes.*" },
        { """{"t":{"dtype":"F32","shape":[2],"data_offsets":[4,8]}}""", 8, "*tensor 't' (F32 [2]) needs 8 bytes but its data_offsets span 4.*" },
    };

    [Theory]
    [MemberData(nameof(BadHeaders))]
    public void Safetensors_headers_are_checked_entry_by_entry(string header, int data, string message)
    {
        string path = Write("bad.safetensors", header, data);

        FluentActions.Invoking(() => StateDictFile.Read(path, WeightsFormat.SafeTensors)).Should().Throw<WeightsFileException>().WithMessage(message);
    }

    [Fact]
    public void The_shortest_safetensors_file_is_its_length_prefix_and_an_empty_header_fills_it_exactly()
    {
        string empty = Path.Combine(Folder, "eight.safetensors");
        File.WriteAllBytes(empty, [2, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);

        StateDictFile.Read(empty, WeightsFormat.SafeTensors).Should().BeEmpty();
        File.WriteAllBytes(empty, new byte[7]);
        FluentActions.Invoking(() => StateDictFile.Read(empty, WeightsFormat.SafeTensors)).Should().Throw<WeightsFileException>().WithMessage("*8-byte header length, but the file has 7 bytes*");
        File.WriteAllBytes(empty, [3, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}']);
        FluentActions.Invoking(() => StateDictFile.Read(empty, WeightsFormat.SafeTensors)).Should().Throw<WeightsFileException>().WithMessage("*claims 3 bytes but only 2 follow*");
    }

    private string Write(string name, string header, int data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        byte[] file = new byte[8 + json.Length + data];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, file);
        return path;
    }
}
