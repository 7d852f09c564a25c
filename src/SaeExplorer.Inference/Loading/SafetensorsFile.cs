using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Loading;

/// <summary>One entry of a safetensors header: dtype, shape and byte range relative to the data section.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A safetensors file opened by memory-mapping (format: 8-byte little-endian header length, a JSON header, then the
/// raw little-endian tensor bytes). Tensors are copied straight from the mapping into torch memory, so a 5 GB
/// shard never passes through managed arrays, and pages of tensors that are never asked for are never read.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    // The format's own limit (safetensors rejects headers over 100 MB); it also stops a garbage length early.
    private const long MaxHeaderBytes = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsEntry> _entries;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long dataStart,
        Dictionary<string, SafetensorsEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _map = map;
        _view = view;
        _dataStart = dataStart;
        _entries = entries;
        Metadata = metadata;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>File offset of the data section (entries' offsets are relative to it).</summary>
    public long DataStart => _dataStart;
    public IReadOnlyCollection<SafetensorsEntry> Entries => _entries.Values;
    public bool Contains(string name) => _entries.ContainsKey(name);

    public SafetensorsEntry this[string name] =>
        _entries.TryGetValue(name, out var e)
            ? e
            : throw new CheckpointException(Path, name, "not found in this file; the checkpoint is incomplete or not of the expected architecture.");

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "file not found.");
        long length = new FileInfo(path).Length;
        if (length < 8)
            throw new CheckpointException(path, null, $"only {length} bytes: too short to be a safetensors file (truncated download?).");

        long headerLength;
        byte[] headerBytes;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> len = stackalloc byte[8];
            fs.ReadExactly(len);
            headerLength = BitConverter.ToInt64(len);
            if (headerLength <= 0 || headerLength > MaxHeaderBytes || 8 + headerLength > length)
                throw new CheckpointException(path, null,
                    $"corrupt header: it declares a {headerLength}-byte JSON header in a {length}-byte file. Is this really a .safetensors file?");
            headerBytes = new byte[headerLength];
            fs.ReadExactly(headerBytes);
        }

        long dataStart = 8 + headerLength;
        long dataLength = length - dataStart;
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(headerBytes);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ToString();
                    continue;
                }
                var dtype = prop.Value.GetProperty("dtype").GetString() ?? "";
                var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (shape.Any(d => d < 0))
                    throw new CheckpointException(path, prop.Name, $"corrupt header: shape [{string.Join(", ", shape)}] has a negative dimension.");
                var offsets = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new CheckpointException(path, prop.Name, "corrupt header: bad data_offsets.");
                var entry = new SafetensorsEntry(prop.Name, dtype, shape, offsets[0], offsets[1]);
                int elementSize;
                try { elementSize = SafetensorsDType.ElementSize(dtype); }
                catch (NotSupportedException e) { throw new CheckpointException(path, prop.Name, e.Message + "."); }
                long bytes;
                try
                {
                    bytes = checked(shape.Aggregate(1L, (a, b) => a * b) * elementSize);
                }
                catch (OverflowException)
                {
                    throw new CheckpointException(path, prop.Name, $"corrupt header: shape [{string.Join(", ", shape)}] has more elements than any file can hold.");
                }
                if (bytes != entry.End - entry.Begin)
                    throw new CheckpointException(path, prop.Name,
                        $"corrupt header: shape [{string.Join(", ", shape)}] of {dtype} needs {entry.ElementCount * elementSize} bytes but data_offsets span {entry.End - entry.Begin}.");
                if (entry.End > dataLength)
                    throw new CheckpointException(path, prop.Name,
                        $"the file is truncated: the tensor ends at byte {dataStart + entry.End} but the file has {length} bytes. Re-download it.");
                entries[prop.Name] = entry;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new CheckpointException(path, null, $"corrupt header: the JSON header cannot be read ({e.Message}).", e);
        }
        CheckTiling(path, entries.Values);

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        return new SafetensorsFile(path, map, view, dataStart, entries, metadata);
    }

    /// <summary>
    /// The tensors must tile the data section from its start, each beginning where the previous one ends (as the
    /// reference safetensors library requires): two tensors sharing bytes, or bytes no tensor owns, mean a crafted or
    /// damaged file, whose tensors would silently alias each other.
    /// </summary>
    private static void CheckTiling(string path, IEnumerable<SafetensorsEntry> entries)
    {
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
                throw new CheckpointException(path, e.Name, e.Begin < expected
                    ? $"corrupt header: its data_offsets [{e.Begin}, {e.End}) overlap another tensor's (which ends at {expected})."
                    : $"corrupt header: its data_offsets begin at {e.Begin}, but the previous tensor ends at {expected}; tensors must follow one another.");
            expected = e.End;
        }
    }

    /// <summary>
    /// Copies one tensor from the mapping into a new CPU tensor of its stored dtype. The caller converts dtype and
    /// moves it to the device; this keeps the only host copy in torch memory.
    /// </summary>
    public Tensor ReadTensor(string name)
    {
        var entry = this[name];
        var result = empty(entry.Shape, SafetensorsDType.ToScalarType(entry.DType));
        CopyInto(entry, result);
        return result;
    }

    private unsafe void CopyInto(SafetensorsEntry entry, Tensor destination)
    {
        byte* basePtr = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
        try
        {
            basePtr += _view.PointerOffset;
            byte* src = basePtr + _dataStart + entry.Begin;
            long total = entry.End - entry.Begin;
            if (total == 0)
                return;
            // Tensor.bytes exposes at most int.MaxValue bytes, so copy tensors larger than that (a 70B embedding
            // is 2.1 GB in bf16) in slices along the first dimension; slices of a contiguous tensor stay contiguous.
            long rows = entry.Shape.Length == 0 ? 1 : entry.Shape[0];
            long rowBytes = rows == 0 ? 0 : total / rows;
            long rowsPerChunk = Math.Max(1, (int.MaxValue / 2) / Math.Max(1, rowBytes));
            if (entry.Shape.Length == 0 || rowsPerChunk >= rows)
            {
                destination.bytes = new Span<byte>(src, checked((int)total));
                return;
            }
            for (long r = 0; r < rows; r += rowsPerChunk)
            {
                long n = Math.Min(rowsPerChunk, rows - r);
                using var slice = destination.narrow(0, r, n);
                slice.bytes = new Span<byte>(src + r * rowBytes, checked((int)(n * rowBytes)));
            }
        }
        finally
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
