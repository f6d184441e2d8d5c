using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using ModelGallery.Weights;

namespace ModelGallery.Tests.Weights;

/// <summary>
/// The legacy torch.save format's pickle reader on hand-assembled pickles (the opcodes are Python's pickle protocol 2,
/// as documented in CPython's pickletools): every opcode a state_dict uses gives the value Python's unpickler would, and
/// every malformed or hostile sequence is a <see cref="WeightsFileException"/> saying what is wrong, not a crash.
/// </summary>
public sealed class PickleReaderTests
{
    [Fact]
    public void Scalars_strings_tuples_and_the_memo_read_as_Python_reads_them()
    {
        byte[] pickle = Bytes(
            "\u0080\u0002(",                                   // PROTO 2, MARK
            "K\u0007",                                        // BININT1 7
            "\u008a\u0001\u00ff",                             // LONG1 -1 (two's complement, little-endian)
            "\u008a\u0008\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f", // LONG1 long.MaxValue
            "\u008a\u0009\0\0\0\0\0\0\0\u0080\0",             // LONG1 2^63: beyond long
            "\u008a\u0008\0\0\0\0\0\0\0\u0080",               // LONG1 long.MinValue
            "\u008b\u0002\0\0\0\u0034\u0012",                 // LONG4 0x1234
            Double(1.5),                                      // BINFLOAT (big-endian)
            "U\u0003abc",                                     // SHORT_BINSTRING
            "X\u0002\0\0\0\u00c3\u00a9",                      // BINUNICODE "é" in UTF-8
            "N\u0088\u0089",                                  // None, True, False
            "t",                                              // TUPLE of everything since the MARK
            "q\0",                                            // BINPUT 0
            "2",                                              // DUP
            "\u0086.");                                       // TUPLE2, STOP

        object?[] expected = [7L, -1L, long.MaxValue, BigInteger.One << 63, long.MinValue, 0x1234L, 1.5, "abc", "é", null, true, false];

        var value = Read(pickle).Should().BeOfType<object?[]>().Subject;
        value.Should().HaveCount(2);
        value[0].Should().BeSameAs(value[1], "DUP pushes the same object");
        ((object?[])value[0]!).Should().Equal(expected);
    }

    [Fact]
    public void Dicts_lists_and_OrderedDicts_in_their_Python_3_and_Python_2_forms()
    {
        byte[] python3 = Bytes(
            "ccollections\nOrderedDict\n)R",                  // OrderedDict()
            "q\u0001",                                        // BINPUT 1
            "(X\u0001\0\0\0aK\u0001X\u0001\0\0\0bK\u0002u",   // SETITEMS a: 1, b: 2
            "}b",                                             // BUILD with an empty state (state_dict's _metadata)
            "K\u0009" + "0",                                  // push 9, POP
            "(K\u0008" + "1",                                 // MARK, push 8, POP_MARK
            ".");
        byte[] python2 = Bytes(
            "ccollections\nOrderedDict\n",
            "]X\u0001\0\0\0kK\u0001\u0086a",                  // [("k", 1)]
            "]X\u0001\0\0\0ma" + "K\u0002a" + "a",            // … + ["m", 2]
            "](K\u0003K\u0004e",                              // APPENDS: a list [3, 4] …
            "0",                                              // … dropped again
            "\u0085R.");                                      // OrderedDict(([…],))

        Read(python3).Should().BeOfType<PickleDict>().Which.Should().Equal(Pair("a", 1L), Pair("b", 2L));
        Read(python2).Should().BeOfType<PickleDict>().Which.Should().Equal(Pair("k", 1L), Pair("m", 2L));
    }

    [Fact]
    public void A_global_may_be_any_printable_ASCII_line_of_up_to_256_characters()
    {
        string name = new('n', 256);

        Read(Bytes("ca b~\n" + name + "\n.")).Should().Be(new PickleGlobal("a b~", name));
        Refuse(Bytes("ca\n" + name + "n\n."), "*names a global that is not a short line of ASCII*");
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "\u0080\u0003", "*at byte 0: it is a pickle of protocol 3, where torch.save's legacy format writes protocol 2.*" },
        { "V", "*its pickle has opcode 0x56, which no state_dict*" },
        { "\u008a!" + new string('\0', 33), "*its pickle has a 33-byte integer; a state_dict has none above 32 bytes.*" },
        { "\u008b\u0002\0\0\0\u0034", "*at byte 0: its pickle needs 2 bytes here, but only 1 are left in the 6-byte file*" },
        { "X\u0001\0\0\0\u00ff.", "*its pickle has a string that is not UTF-8.*" },
        { "cco\u0001l\nx\n", "*names a global that is not a short line of ASCII*" },
        { "K\u0001)R", "*calls something that is not a global with a tuple of arguments*" },
        { "ccollections\nOrderedDict\n]K\u0001a\u0085R.", "*builds an OrderedDict from something other than (key, value) pairs.*" },
        { "ccollections\nOrderedDict\nK\u0001K\u0002\u0086R.", "*builds an OrderedDict from 2 arguments.*" },
        { "K\u0001Nb", "*sets the state of something other than an OrderedDict*" },
        { "}(K\u0001u", "*sets a dict item without a value*" },
        { ".", "*at byte 0: its pickle takes from an empty stack*" },
        { "K\u0001(.", "*at byte 3: its pickle takes from an empty stack*" },
        { "(K\u00011.", "*at byte 4: its pickle takes from an empty stack*" },
        { "K\u0001(K\u0002\u0086", "*at byte 5: its pickle takes from an empty stack*" },
        { "t", "*closes a MARK it never opened*" },
        { "h\u0005", "*refers to memo entry 5, which it never stored*" },
        { "K\u0001K\u0002a", "*adds items to something that is not a list or dict*" },
        { "K\u0001e", "*adds items to something that is not a list or dict*" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_pickles_are_refused_saying_what_is_wrong_and_where(string pickle, string message)
    {
        Refuse(Encoding.Latin1.GetBytes(pickle), message);
    }

    [Theory]
    [InlineData("h\0.", "*refers to memo entry 0*")] // the memo of the previous pickle is gone
    [InlineData(".", "*takes from an empty stack*")] // so is its stack
    [InlineData("t.", "*closes a MARK it never opened*")] // and its open MARK
    public void Each_pickle_of_a_file_starts_afresh(string second, string message)
    {
        // The first pickle stores 1 in the memo, leaves it on the stack under an open MARK, and returns 2.
        using var stream = new MemoryStream(Bytes("K\u0001q\0(K\u0002.", second));
        var reader = Reader(stream);
        reader.Read().Should().Be(2L);

        FluentActions.Invoking(reader.Read).Should().Throw<WeightsFileException>().WithMessage(message);
    }

    private static KeyValuePair<object?, object?> Pair(string key, long value) => new(key, value);

    private static object? Read(byte[] pickle)
    {
        using var stream = new MemoryStream(pickle);
        return Reader(stream).Read();
    }

    private static void Refuse(byte[] pickle, string message) =>
        FluentActions.Invoking(() => Read(pickle)).Should().Throw<WeightsFileException>().WithMessage(message)
            .Which.FilePath.Should().Be("test.pkl");

    private static PickleReader Reader(Stream stream) => new(stream, "test.pkl", accepts: _ => true, persistentLoad: id => id);

    private static byte[] Bytes(params string[] parts) => Encoding.Latin1.GetBytes(string.Concat(parts));

    private static string Double(double value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteDoubleBigEndian(bytes, value);
        return "G" + Encoding.Latin1.GetString(bytes);
    }
}
