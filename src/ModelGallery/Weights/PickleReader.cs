using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ModelGallery.Weights;

/// <summary>
/// Reads one pickle of protocol 2 or lower into plain data, with only the binary opcodes a state_dict uses: integers
/// (<see cref="long"/>, or <see cref="BigInteger"/> beyond it), floats, strings, tuples (arrays), lists, dicts, None and
/// booleans. A global is a <see cref="PickleGlobal"/> that the caller must accept, a call of it a
/// <see cref="PickleCall"/>, and a persistent id goes to the caller: nothing is imported, constructed or run. Every
/// length is checked against what is left of the stream before anything is allocated for it.
/// </summary>
internal sealed class PickleReader(Stream stream, string path, Func<PickleGlobal, bool> accepts, Func<object?, object?> persistentLoad)
{
    private const int MaxIntegerBytes = 32;
    private const int MaxGlobalName = 256;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly PickleGlobal OrderedDict = new("collections", "OrderedDict");

    private readonly List<object?> stack = [];
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = [];

    /// <summary>Reads the next pickle of the stream, up to and including its STOP.</summary>
    public object? Read()
    {
        stack.Clear();
        marks.Clear();
        memo.Clear();
        while (true)
        {
            long at = stream.Position;
            int op = stream.ReadByte();
            switch (op)
            {
                case -1: throw Fail(at, "the file ends inside a pickle (truncated?).");
                case 0x80: // PROTO
                    int protocol = Bytes(1, at)[0];
                    if (protocol > 2)
                    {
                        throw Fail(at, $"it is a pickle of protocol {protocol}, where torch.save's legacy format writes protocol 2.");
                    }

                    break;
                case '.': return Pop(at); // STOP
                case 'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break; // NEWTRUE
                case 0x89: stack.Add(false); break; // NEWFALSE
                case 'K': stack.Add((long)Bytes(1, at)[0]); break; // BININT1
                case 'M': stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, at))); break; // BININT2
                case 'J': stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, at))); break; // BININT
                case 0x8a: PushInteger(Bytes(1, at)[0], at); break; // LONG1
                case 0x8b: PushInteger(Length(at), at); break; // LONG4
                case 'G': stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8, at))); break; // BINFLOAT
                case 'X' or 'T': stack.Add(Text(Bytes(Length(at), at), at)); break; // BINUNICODE; BINSTRING (Python 2 str, read as torch.load does: UTF-8)
                case 'U': stack.Add(Text(Bytes(Bytes(1, at)[0], at), at)); break; // SHORT_BINSTRING
                case '}': stack.Add(new PickleDict()); break; // EMPTY_DICT
                case ']': stack.Add(new List<object?>()); break; // EMPTY_LIST
                case ')': stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case '(': marks.Push(stack.Count); break; // MARK
                case 't': stack.Add(PopMark(at).ToArray()); break; // TUPLE
                case 0x85 or 0x86 or 0x87: stack.Add(PopMany(op - 0x84, at)); break; // TUPLE1, TUPLE2, TUPLE3
                case 'a': Top<List<object?>>(1, at).Add(Pop(at)); break; // APPEND
                case 'e': Top<List<object?>>(0, at, marked: true).AddRange(PopMark(at)); break; // APPENDS
                case 's': SetItems(PopMany(2, at), at); break; // SETITEM
                case 'u': SetItems(PopMark(at), at); break; // SETITEMS
                case 'q': memo[Bytes(1, at)[0]] = Peek(at); break; // BINPUT
                case 'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, at))] = Peek(at); break; // LONG_BINPUT
                case 'h': stack.Add(Memo(Bytes(1, at)[0], at)); break; // BINGET
                case 'j': stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, at)), at)); break; // LONG_BINGET
                case '0': Pop(at); break; // POP
                case '1': PopMark(at); break; // POP_MARK
                case '2': stack.Add(Peek(at)); break; // DUP
                case 'c': stack.Add(Global(at)); break; // GLOBAL
                case 'R': Reduce(at); break; // REDUCE
                case 'b': Build(at); break; // BUILD
                case 'Q': stack.Add(persistentLoad(Pop(at))); break; // BINPERSID
                default: throw Fail(at, $"its pickle has opcode 0x{op:x2}, which no state_dict of torch.save's legacy format uses.");
            }
        }
    }

    private WeightsFileException Fail(long at, string problem) => new(path, $"at byte {at:N0}: {problem}");

    private byte[] Bytes(long count, long at)
    {
        long left = stream.Length - stream.Position;
        if (count < 0 || count > left)
        {
            throw Fail(at, $"its pickle needs {count:N0} bytes here, but only {left:N0} are left in the {stream.Length:N0}-byte file (truncated?).");
        }

        byte[] bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private long Length(long at) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, at));

    private void PushInteger(long count, long at)
    {
        if (count > MaxIntegerBytes)
        {
            throw Fail(at, $"its pickle has a {count:N0}-byte integer; a state_dict has none above {MaxIntegerBytes} bytes.");
        }

        var value = new BigInteger(Bytes(count, at), isUnsigned: false, isBigEndian: false);
        if (value >= long.MinValue && value <= long.MaxValue)
        {
            stack.Add((long)value);
        }
        else
        {
            stack.Add(value);
        }
    }

    private string Text(byte[] bytes, long at)
    {
        try
        {
            return Utf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new WeightsFileException(path, $"at byte {at:N0}: its pickle has a string that is not UTF-8.", e);
        }
    }

    private PickleGlobal Global(long at)
    {
        string Line()
        {
            var text = new StringBuilder();
            for (int b = stream.ReadByte(); b != '\n'; b = stream.ReadByte())
            {
                if (b < 0x20 || b > 0x7e || text.Length == MaxGlobalName)
                {
                    throw Fail(at, "its pickle names a global that is not a short line of ASCII (corrupt or truncated?).");
                }

                text.Append((char)b);
            }

            return text.ToString();
        }

        var global = new PickleGlobal(Line(), Line());
        return accepts(global) ? global : throw Fail(at, $"its pickle names the global '{global}', which a state_dict never uses; it is refused and nothing in the file is run.");
    }

    private void Reduce(long at)
    {
        object? arguments = Pop(at);
        object? function = Pop(at);
        if (function is not PickleGlobal global || arguments is not object?[] args)
        {
            throw Fail(at, "its pickle calls something that is not a global with a tuple of arguments (corrupt file).");
        }

        if (global != OrderedDict)
        {
            stack.Add(new PickleCall(global, args));
            return;
        }

        // OrderedDict() as Python 3 pickles it (the items follow), or OrderedDict([[key, value], ...]) as Python 2 does.
        var dict = new PickleDict();
        if (args is [List<object?> items])
        {
            foreach (object? item in items)
            {
                dict.Add(item is object?[] { Length: 2 } or List<object?> { Count: 2 } ? Pair((IList<object?>)item) : throw Fail(at, "its pickle builds an OrderedDict from something other than (key, value) pairs."));
            }
        }
        else if (args.Length != 0)
        {
            throw Fail(at, $"its pickle builds an OrderedDict from {args.Length} arguments.");
        }

        stack.Add(dict);
        static KeyValuePair<object?, object?> Pair(IList<object?> pair) => new(pair[0], pair[1]);
    }

    /// <summary>BUILD sets an object's state: only an OrderedDict's attributes (state_dict's <c>_metadata</c>), which are not needed.</summary>
    private void Build(long at)
    {
        object? state = Pop(at);
        if (Peek(at) is not PickleDict || state is not (null or PickleDict))
        {
            throw Fail(at, "its pickle sets the state of something other than an OrderedDict (corrupt file).");
        }
    }

    private void SetItems(IReadOnlyList<object?> items, long at)
    {
        var dict = Top<PickleDict>(0, at);
        if (items.Count % 2 != 0)
        {
            throw Fail(at, "its pickle sets a dict item without a value (corrupt file).");
        }

        for (int i = 0; i < items.Count; i += 2)
        {
            dict.Add(new(items[i], items[i + 1]));
        }
    }

    private T Top<T>(int above, long at, bool marked = false)
    {
        int index = (marked ? (marks.Count > 0 ? marks.Peek() : 0) : stack.Count - above) - 1;
        return index >= 0 && index < stack.Count && stack[index] is T top ? top : throw Fail(at, "its pickle adds items to something that is not a list or dict (corrupt file).");
    }

    private object? Memo(long index, long at) => memo.TryGetValue(index, out object? value) ? value : throw Fail(at, $"its pickle refers to memo entry {index}, which it never stored (corrupt file).");

    private object? Peek(long at) => stack.Count > (marks.Count > 0 ? marks.Peek() : 0) ? stack[^1] : throw Fail(at, "its pickle takes from an empty stack (corrupt file).");

    private object? Pop(long at)
    {
        object? top = Peek(at);
        stack.RemoveAt(stack.Count - 1);
        return top;
    }

    private object?[] PopMany(int count, long at)
    {
        if (stack.Count - (marks.Count > 0 ? marks.Peek() : 0) < count)
        {
            throw Fail(at, "its pickle takes from an empty stack (corrupt file).");
        }

        object?[] items = [.. stack.Skip(stack.Count - count)];
        stack.RemoveRange(stack.Count - count, count);
        return items;
    }

    private List<object?> PopMark(long at)
    {
        int mark = marks.Count > 0 ? marks.Pop() : throw Fail(at, "its pickle closes a MARK it never opened (corrupt file).");
        var items = stack.GetRange(mark, stack.Count - mark);
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }
}
