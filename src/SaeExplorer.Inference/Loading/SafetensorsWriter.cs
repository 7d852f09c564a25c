using System.Runtime.InteropServices;
using System.Text.Json;

namespace SaeExplorer.Inference.Loading;

/// <summary>Declares one tensor of a file being written: name, safetensors dtype string and shape.</summary>
public sealed record SafetensorsSpec(string Name, string DType, long[] Shape)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * SafetensorsDType.ElementSize(DType);
}

/// <summary>
/// Writes a safetensors file whose tensors are all declared up front, so the header goes first and the data is
/// then streamed in declaration order without holding the whole file in memory. The file appears under its final
/// name only after <see cref="Commit"/>; an interrupted run leaves at most a ".partial" file beside it.
/// </summary>
public sealed class SafetensorsWriter : IDisposable
{
    private readonly string _path;
    private readonly string _partialPath;
    private readonly FileStream _stream;
    private readonly IReadOnlyList<SafetensorsSpec> _specs;
    private int _next;
    private bool _committed;

    public SafetensorsWriter(string path, IReadOnlyList<SafetensorsSpec> specs, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var duplicate = specs.GroupBy(s => s.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"tensor name '{duplicate.Key}' is declared twice", nameof(specs));
        _path = path;
        _partialPath = path + ".partial";
        _specs = specs;
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null)
            Directory.CreateDirectory(dir);
        _stream = new FileStream(_partialPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteHeader(metadata);
    }

    // The one JSON writer outside the projects' source-generated contexts, on purpose: the header's top-level object
    // is defined by the safetensors format, not by a type of ours — an optional "__metadata__" string map beside one
    // entry per tensor keyed by its name, in declaration order so the data offsets ascend through the file. A generated
    // serialiser would need a hand-written converter for exactly that object, i.e. these lines behind an indirection.
    private void WriteHeader(IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata)
                    json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var spec in _specs)
            {
                json.WriteStartObject(spec.Name);
                json.WriteString("dtype", spec.DType);
                json.WriteStartArray("shape");
                foreach (var d in spec.Shape)
                    json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + spec.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += spec.ByteLength;
            }
            json.WriteEndObject();
        }
        // The reference implementation pads the header with spaces to a multiple of 8 so the data is aligned.
        int pad = (int)((8 - buffer.Length % 8) % 8);
        var header = buffer.ToArray().Concat(Enumerable.Repeat((byte)' ', pad)).ToArray();
        _stream.Write(BitConverter.GetBytes((long)header.Length));
        _stream.Write(header);
    }

    /// <summary>Writes the next declared tensor's data, which must match its declared name and size.</summary>
    public void Write<T>(string name, ReadOnlySpan<T> data) where T : unmanaged
    {
        if (_next >= _specs.Count)
            throw new InvalidOperationException($"all {_specs.Count} declared tensors were already written; '{name}' is extra");
        var spec = _specs[_next];
        if (spec.Name != name)
            throw new InvalidOperationException($"expected tensor '{spec.Name}' next but got '{name}'");
        var bytes = MemoryMarshal.AsBytes(data);
        if (bytes.Length != spec.ByteLength)
            throw new InvalidOperationException($"tensor '{name}' has {bytes.Length} bytes but its declared shape needs {spec.ByteLength}");
        _stream.Write(bytes);
        _next++;
    }

    /// <summary>Flushes and moves the finished file to its final name.</summary>
    public void Commit()
    {
        if (_next != _specs.Count)
            throw new InvalidOperationException($"only {_next} of {_specs.Count} declared tensors were written");
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_partialPath, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        if (!_committed && File.Exists(_partialPath))
            File.Delete(_partialPath);
    }

    /// <summary>Convenience for small files: declares and writes float32 tensors in one go.</summary>
    public static void WriteFloat32(string path, IReadOnlyList<(string Name, long[] Shape, float[] Data)> tensors)
    {
        using var writer = new SafetensorsWriter(path, tensors.Select(t => new SafetensorsSpec(t.Name, "F32", t.Shape)).ToList());
        foreach (var t in tensors)
            writer.Write<float>(t.Name, t.Data);
        writer.Commit();
    }
}
