using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

public sealed class UnpicklingException(string message) : Exception(message);

/// <summary>A reference to one storage blob of a torch zip checkpoint (<c>data/{Key}</c>).</summary>
public sealed record PickledStorage(ScalarType DType, string Key, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> would build: a strided view of a storage.</summary>
public sealed record PickledTensor(PickledStorage Storage, long StorageOffset, long[] Shape, long[] Stride);

/// <summary>
/// A pickle interpreter that builds only plain data (dicts, lists, tuples, strings, numbers) and tensors, and
/// rejects every global outside a short allow-list. Python's pickle can call any importable function; reading a
/// downloaded checkpoint must not, so unknown globals, object construction opcodes and extensions are errors,
/// never executed or instantiated.
/// </summary>
public sealed class RestrictedUnpickler(byte[] data)
{
    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private sealed class Mark;

    private static readonly Dictionary<string, ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
    };

    private static readonly HashSet<string> AllowedCallables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
    };

    private static readonly Mark MarkObject = new();
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _pos;

    /// <summary>Deepest nesting of containers a checkpoint may have (a state dict is 1–3 deep); deeper is refused.</summary>
    public const int MaxDepth = 64;

    /// <summary>Most containers and values, counting a shared one once per place it appears; more is refused.</summary>
    public const long MaxNodes = 10_000_000;

    /// <summary>
    /// Interprets the pickle. Its result is checked before anyone walks it: nested at most <see cref="MaxDepth"/> deep,
    /// no container inside itself, at most <see cref="MaxNodes"/> values when shared ones are counted wherever they
    /// appear — so the recursive code that reads it can neither overflow the stack (which would kill the process, not
    /// throw) nor run for ever. Malformed numbers and lengths are <see cref="UnpicklingException"/>s.
    /// </summary>
    public object? Load()
    {
        object? root;
        try
        {
            root = Interpret();
        }
        catch (Exception e) when (e is OverflowException or FormatException)
        {
            throw new UnpicklingException($"malformed value near byte {_pos} ({e.Message})");
        }
        CheckShape(root);
        return root;
    }

    private static IEnumerable<object?> Children(object container) => container switch
    {
        Dictionary<object, object?> d => d.Keys.Concat(d.Values),
        List<object?> l => l,
        object?[] t => t,
        _ => [],
    };

    private static bool IsContainer(object? o) => o is Dictionary<object, object?> or List<object?> or object?[];

    private static void CheckShape(object? root)
    {
        if (!IsContainer(root))
            return;
        var sizes = new Dictionary<object, long>(ReferenceEqualityComparer.Instance);
        var open = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var path = new Stack<(object Node, IEnumerator<object?> Next)>();
        path.Push((root!, Children(root!).GetEnumerator()));
        open.Add(root!);
        while (path.Count > 0)
        {
            var (node, next) = path.Peek();
            if (next.MoveNext())
            {
                var child = next.Current;
                if (!IsContainer(child) || sizes.ContainsKey(child!))
                    continue;
                if (!open.Add(child!))
                    throw new UnpicklingException("a container holds itself (a cycle); a checkpoint never does");
                if (path.Count >= MaxDepth)
                    throw new UnpicklingException($"containers are nested more than {MaxDepth} deep; a checkpoint never is");
                path.Push((child!, Children(child!).GetEnumerator()));
                continue;
            }
            path.Pop();
            open.Remove(node);
            long size = 1;
            foreach (var child in Children(node))
                size += child is not null && sizes.TryGetValue(child, out var s) ? s : 1;
            if (size > MaxNodes)
                throw new UnpicklingException($"the pickle expands to more than {MaxNodes:N0} values; a checkpoint never does");
            sizes[node] = size;
        }
    }

    private object? Interpret()
    {
        while (true)
        {
            if (_pos >= data.Length)
                throw new UnpicklingException("the pickle ends without a STOP opcode (truncated file?)");
            byte op = data[_pos++];
            switch (op)
            {
                case 0x80: _pos++; break; // PROTO
                case 0x95: Skip(8); break; // FRAME: framing is a performance hint only
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': _marks.Push(_stack.Count); _stack.Add(MarkObject); break;
                case (byte)'}': Push(new Dictionary<object, object?>()); break;
                case (byte)']': Push(new List<object?>()); break;
                case (byte)')': Push(Array.Empty<object?>()); break;
                case (byte)'N': Push(null); break;
                case 0x88: Push(true); break;
                case 0x89: Push(false); break;
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                case (byte)'K': Push((long)Take(1)[0]); break;
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                case 0x8a: Push(ReadLong(Take(1)[0])); break; // LONG1
                case 0x8b: Push(ReadLong(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break; // LONG4
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                case (byte)'X': Push(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case 0x8c: Push(Encoding.UTF8.GetString(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Encoding.UTF8.GetString(Take(checked((int)BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))))); break;
                case (byte)'C': Push(Take(Take(1)[0]).ToArray()); break; // SHORT_BINBYTES
                case (byte)'B': Push(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray()); break;
                case (byte)'U': Push(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                case (byte)'T': Push(Encoding.Latin1.GetString(Take(checked((int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))))); break;
                case (byte)'I': Push(ParseIntLine(ReadLine())); break;
                case (byte)'L': Push(long.Parse(ReadLine().TrimEnd('L'), CultureInfo.InvariantCulture)); break;
                case (byte)'F': Push(double.Parse(ReadLine(), CultureInfo.InvariantCulture)); break;
                case (byte)'t': Push(PopToMark().ToArray()); break;
                case 0x85: Push(new[] { Pop() }); break;
                case 0x86: { var b = Pop(); var a = Pop(); Push(new[] { a, b }); break; }
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); Push(new[] { a, b, c }); break; }
                case (byte)'l': Push(PopToMark()); break;
                case (byte)'d': { var items = PopToMark(); var d = new Dictionary<object, object?>(); SetItems(d, items); Push(d); break; }
                case (byte)'a': { var v = Pop(); AsList(Peek()).Add(v); break; }
                case (byte)'e': { var items = PopToMark(); AsList(Peek()).AddRange(items); break; }
                case (byte)'s': { var v = Pop(); var k = Pop(); SetItems(AsDict(Peek()), [k, v]); break; }
                case (byte)'u': { var items = PopToMark(); SetItems(AsDict(Peek()), items); break; }
                case (byte)'q': _memo[Take(1)[0]] = Peek(); break;
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break;
                case (byte)'p': _memo[long.Parse(ReadLine(), CultureInfo.InvariantCulture)] = Peek(); break;
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': Push(Memo(Take(1)[0])); break;
                case (byte)'j': Push(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
                case (byte)'g': Push(Memo(long.Parse(ReadLine(), CultureInfo.InvariantCulture))); break;
                case (byte)'0': Pop(); break;
                case (byte)'1': PopToMark(); break;
                case (byte)'2': Push(Peek()); break;
                case (byte)'c': { var module = ReadLine(); var name = ReadLine(); Push(MakeGlobal(module, name)); break; }
                case 0x93: { var name = Pop() as string; var module = Pop() as string; Push(MakeGlobal(module ?? "?", name ?? "?")); break; }
                case (byte)'Q': Push(PersistentLoad(Pop())); break;
                case (byte)'R': { var args = Pop(); var callable = Pop(); Push(Reduce(callable, args)); break; }
                case (byte)'b': { Pop(); break; } // BUILD: only attribute state (OrderedDict's _metadata) reaches here; not needed
                default:
                    throw new UnpicklingException($"pickle opcode 0x{op:x2} at byte {_pos - 1} is not allowed in a weights-only checkpoint (it builds arbitrary objects)");
            }
        }
    }

    private object MakeGlobal(string module, string name)
    {
        var g = new Global(module, name);
        if (module == "torch" && StorageTypes.ContainsKey(name))
            return g;
        if (AllowedCallables.Contains(g.ToString()))
            return g;
        throw new UnpicklingException($"the pickle references '{g}', which a weights-only checkpoint never needs; refusing to load it (only tensors and plain containers are allowed)");
    }

    private PickledStorage PersistentLoad(object? pid)
    {
        if (pid is not object?[] { Length: 5 } t || t[0] as string != "storage" || t[1] is not Global g || !StorageTypes.TryGetValue(g.Name, out var dtype)
            || t[2] is not string key || t[4] is not long numel)
            throw new UnpicklingException($"unsupported persistent id {Describe(pid)}");
        return new PickledStorage(dtype, key, numel);
    }

    private object? Reduce(object? callable, object? args)
    {
        if (callable is not Global g || args is not object?[] a)
            throw new UnpicklingException($"cannot call {Describe(callable)}");
        switch (g.ToString())
        {
            case "collections.OrderedDict":
                return new Dictionary<object, object?>();
            case "torch._utils._rebuild_tensor_v2":
                if (a.Length < 4 || a[0] is not PickledStorage storage || a[1] is not long offset || a[2] is not object?[] size || a[3] is not object?[] stride)
                    throw new UnpicklingException("malformed _rebuild_tensor_v2 arguments");
                return new PickledTensor(storage, offset, size.Select(ToLong).ToArray(), stride.Select(ToLong).ToArray());
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return a.Length > 0 && a[0] is PickledTensor pt ? pt : throw new UnpicklingException("malformed _rebuild_parameter arguments");
            default:
                throw new UnpicklingException($"'{g}' cannot be called");
        }
    }

    private static long ToLong(object? o) => o is long l ? l : throw new UnpicklingException($"expected an integer, got {Describe(o)}");

    public static string Describe(object? o) => o switch
    {
        null => "None",
        string s => $"the string '{s}'",
        long l => $"the integer {l}",
        Dictionary<object, object?> => "a dict",
        List<object?> => "a list",
        object?[] => "a tuple",
        PickledTensor => "a tensor",
        _ => o.GetType().Name,
    };

    private object? Memo(long key) =>
        _memo.TryGetValue(key, out var v) ? v : throw new UnpicklingException($"memo key {key} is used before it is set");

    private static void SetItems(Dictionary<object, object?> d, List<object?> items)
    {
        if (items.Count % 2 != 0)
            throw new UnpicklingException("odd number of items for a dict");
        for (int i = 0; i < items.Count; i += 2)
            d[items[i] ?? throw new UnpicklingException("None as a dict key")] = items[i + 1];
    }

    private static Dictionary<object, object?> AsDict(object? o) => o as Dictionary<object, object?> ?? throw new UnpicklingException($"expected a dict, got {Describe(o)}");

    private static List<object?> AsList(object? o) => o as List<object?> ?? throw new UnpicklingException($"expected a list, got {Describe(o)}");

    private void Push(object? o) => _stack.Add(o);

    private object? Peek() => _stack.Count > 0 ? _stack[^1] : throw new UnpicklingException("stack underflow");

    private object? Pop()
    {
        if (_stack.Count == 0 || _stack[^1] is Mark)
            throw new UnpicklingException("stack underflow");
        var o = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return o;
    }

    private List<object?> PopToMark()
    {
        if (_marks.Count == 0)
            throw new UnpicklingException("MARK expected");
        int m = _marks.Pop();
        var items = _stack.GetRange(m + 1, _stack.Count - m - 1);
        _stack.RemoveRange(m, _stack.Count - m);
        return items;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > data.Length - _pos)
            throw new UnpicklingException("the pickle is truncated");
        var span = data.AsSpan(_pos, n);
        _pos += n;
        return span;
    }

    private void Skip(int n) => Take(n);

    private string ReadLine()
    {
        int end = Array.IndexOf(data, (byte)'\n', _pos);
        if (end < 0)
            throw new UnpicklingException("the pickle is truncated");
        var s = Encoding.ASCII.GetString(data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    private static object ParseIntLine(string s) => s switch
    {
        "00" => false,
        "01" => true,
        _ => long.Parse(s, CultureInfo.InvariantCulture),
    };

    private long ReadLong(int n)
    {
        if (n > 8)
            throw new UnpicklingException($"integer of {n} bytes is too large");
        var bytes = Take(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--)
            v = (v << 8) | bytes[i];
        if (n > 0 && n < 8 && (bytes[n - 1] & 0x80) != 0)
            v -= 1L << (8 * n);
        return v;
    }
}
