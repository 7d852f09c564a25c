using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace SaeExplorer.Core.Exports;

/// <summary>A tensor to write: a flat row-major array (float, double, long or int) and its shape.</summary>
public sealed record TorchTensorData(Array Data, long[] Shape)
{
    public static TorchTensorData Of(float[] data, params long[] shape) => new(data, shape);
    public static TorchTensorData Of(long[] data, params long[] shape) => new(data, shape);
}

/// <summary>
/// Writes files that Python's <c>torch.load</c> reads (PyTorch's zip serialization, pickle protocol 2), from plain
/// .NET data, so analysis artefacts open in a notebook without SaeExplorer. Supported values: <see cref="TorchTensorData"/>,
/// string, long, int, double, bool, null, lists of those and string-keyed dictionaries (written as plain dicts).
/// Entries are stored uncompressed with their data 64-byte aligned, as PyTorch's own writer does.
/// </summary>
public static class TorchSaveWriter
{
    private const string Archive = "archive";

    public static void Write(string path, IReadOnlyDictionary<string, object?> root)
    {
        var storages = new List<(string Key, TorchTensorData Tensor)>();
        var pickle = new PickleBuilder(storages).Build(root);
        var files = new List<(string Name, byte[] Data)>
        {
            ($"{Archive}/data.pkl", pickle),
            ($"{Archive}/byteorder", Encoding.ASCII.GetBytes("little")),
        };
        foreach (var (key, tensor) in storages)
            files.Add(($"{Archive}/data/{key}", ToBytes(tensor.Data)));
        files.Add(($"{Archive}/version", Encoding.ASCII.GetBytes("3\n")));

        var partial = path + ".partial";
        using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write))
            AlignedZip.Write(stream, files);
        File.Move(partial, path, overwrite: true);
    }

    private static byte[] ToBytes(Array data) => data switch
    {
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()).ToArray(),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()).ToArray(),
        long[] l => MemoryMarshal.AsBytes(l.AsSpan()).ToArray(),
        int[] i => MemoryMarshal.AsBytes(i.AsSpan()).ToArray(),
        _ => throw new NotSupportedException($"tensor data of type {data.GetType().Name}"),
    };

    private sealed class PickleBuilder(List<(string Key, TorchTensorData Tensor)> storages)
    {
        private readonly MemoryStream _out = new();
        private int _memo;

        public byte[] Build(IReadOnlyDictionary<string, object?> root)
        {
            _out.Write([0x80, 2]); // PROTO 2
            WriteValue(root);
            _out.WriteByte((byte)'.');
            return _out.ToArray();
        }

        private void Op(char c) => _out.WriteByte((byte)c);

        private void Put()
        {
            if (_memo < 256)
            {
                _out.WriteByte((byte)'q');
                _out.WriteByte((byte)_memo);
            }
            else
            {
                _out.WriteByte((byte)'r');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, _memo);
                _out.Write(b);
            }
            _memo++;
        }

        private void Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            Op('X');
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
            _out.Write(len);
            _out.Write(bytes);
        }

        private void Int(long v)
        {
            if (v is >= 0 and < 256)
            {
                Op('K');
                _out.WriteByte((byte)v);
            }
            else if (v is >= int.MinValue and <= int.MaxValue)
            {
                Op('J');
                Span<byte> b = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
                _out.Write(b);
            }
            else
            {
                _out.WriteByte(0x8a); // LONG1, 8 bytes two's complement
                _out.WriteByte(8);
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(b, v);
                _out.Write(b);
            }
        }

        private void Global(string module, string name)
        {
            Op('c');
            _out.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
        }

        private void WriteValue(object? value)
        {
            switch (value)
            {
                case null: Op('N'); break;
                case bool b: _out.WriteByte(b ? (byte)0x88 : (byte)0x89); break;
                case string s: Str(s); break;
                case int i: Int(i); break;
                case long l: Int(l); break;
                case double d:
                    Op('G');
                    Span<byte> g = stackalloc byte[8];
                    BinaryPrimitives.WriteDoubleBigEndian(g, d);
                    _out.Write(g);
                    break;
                case float f: WriteValue((double)f); break;
                case TorchTensorData t: Tensor(t); break;
                case IReadOnlyDictionary<string, object?> dict:
                    Op('}');
                    Put();
                    if (dict.Count > 0)
                    {
                        Op('(');
                        foreach (var (k, v) in dict)
                        {
                            Str(k);
                            WriteValue(v);
                        }
                        Op('u');
                    }
                    break;
                case System.Collections.IEnumerable list:
                    Op(']');
                    Put();
                    Op('(');
                    foreach (var item in list)
                        WriteValue(item);
                    Op('e');
                    break;
                default:
                    throw new NotSupportedException($"cannot write a {value.GetType().Name} for torch.load");
            }
        }

        private void Tensor(TorchTensorData t)
        {
            long numel = t.Shape.Aggregate(1L, (a, b) => a * b);
            if (numel != t.Data.LongLength)
                throw new ArgumentException($"tensor data has {t.Data.LongLength} elements but shape [{string.Join(", ", t.Shape)}] needs {numel}");
            string storageType = t.Data switch
            {
                float[] => "FloatStorage",
                double[] => "DoubleStorage",
                long[] => "LongStorage",
                int[] => "IntStorage",
                _ => throw new NotSupportedException($"tensor data of type {t.Data.GetType().Name}"),
            };
            string key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            storages.Add((key, t));

            // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
            Global("torch._utils", "_rebuild_tensor_v2");
            Op('(');
            Op('(');
            Str("storage");
            Global("torch", storageType);
            Str(key);
            Str("cpu");
            Int(numel);
            Op('t');
            Op('Q'); // BINPERSID
            Int(0);
            Tuple(t.Shape);
            var stride = new long[t.Shape.Length];
            long s = 1;
            for (int i = t.Shape.Length - 1; i >= 0; i--)
            {
                stride[i] = s;
                s *= t.Shape[i];
            }
            Tuple(stride);
            _out.WriteByte(0x89); // requires_grad False
            Global("collections", "OrderedDict");
            Op(')');
            Op('R');
            Op('t');
            Op('R');
        }

        private void Tuple(long[] values)
        {
            Op('(');
            foreach (var v in values)
                Int(v);
            Op('t');
        }
    }

    /// <summary>
    /// A minimal zip writer (stored entries only) that pads each local header with an extra field so the entry's data
    /// starts on a 64-byte boundary, like PyTorch's <c>PyTorchStreamWriter</c>; zip64 is not written, so the whole
    /// archive must stay under 4 GiB.
    /// </summary>
    private static class AlignedZip
    {
        private const int Alignment = 64;

        public static void Write(Stream stream, IReadOnlyList<(string Name, byte[] Data)> files)
        {
            var central = new MemoryStream();
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            foreach (var (name, data) in files)
            {
                long offset = stream.Position;
                if (offset + data.LongLength > uint.MaxValue)
                    throw new NotSupportedException("the artefact exceeds 4 GiB; write fewer prompts per file");
                var nameBytes = Encoding.UTF8.GetBytes(name);
                uint crc = Crc32.Compute(data);
                int headerEnd = (int)((offset + 30 + nameBytes.Length + 4) % Alignment);
                int pad = (Alignment - headerEnd) % Alignment;
                w.Write(0x04034b50u);
                w.Write((ushort)20); w.Write((ushort)0); w.Write((ushort)0); // version, flags, method stored
                w.Write((ushort)0); w.Write((ushort)0x21); // time, date (1980-01-01)
                w.Write(crc); w.Write((uint)data.Length); w.Write((uint)data.Length);
                w.Write((ushort)nameBytes.Length); w.Write((ushort)(4 + pad));
                w.Write(nameBytes);
                w.Write((ushort)0x4246); w.Write((ushort)pad); // "FB" padding field, as PyTorch writes
                w.Write(new byte[pad]);
                w.Write(data);

                var c = new BinaryWriter(central, Encoding.UTF8, leaveOpen: true);
                c.Write(0x02014b50u);
                c.Write((ushort)20); c.Write((ushort)20); c.Write((ushort)0); c.Write((ushort)0);
                c.Write((ushort)0); c.Write((ushort)0x21);
                c.Write(crc); c.Write((uint)data.Length); c.Write((uint)data.Length);
                c.Write((ushort)nameBytes.Length); c.Write((ushort)0); c.Write((ushort)0);
                c.Write((ushort)0); c.Write((ushort)0); c.Write(0u); c.Write((uint)offset);
                c.Write(nameBytes);
            }
            long centralOffset = stream.Position;
            w.Write(central.ToArray());
            w.Write(0x06054b50u);
            w.Write((ushort)0); w.Write((ushort)0);
            w.Write((ushort)files.Count); w.Write((ushort)files.Count);
            w.Write((uint)central.Length); w.Write((uint)centralOffset);
            w.Write((ushort)0);
        }
    }

    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Compute(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFFu;
            foreach (var b in data)
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc ^ 0xFFFFFFFFu;
        }
    }
}
