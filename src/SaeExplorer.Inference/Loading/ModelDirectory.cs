using System.Text.Json;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Loading;

/// <summary>
/// A Hugging Face model directory: <c>config.json</c> plus either one <c>model.safetensors</c> or shards listed in
/// <c>model.safetensors.index.json</c>. Shards are opened (memory-mapped) only when a tensor in them is first read,
/// so a capture that needs layers 0–50 never opens a shard holding only later layers or <c>lm_head</c>.
/// </summary>
public sealed class ModelDirectory : IDisposable
{
    public const string IndexFileName = "model.safetensors.index.json";
    public const string SingleFileName = "model.safetensors";

    private readonly Dictionary<string, string> _tensorToFile;
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Microsoft.Win32.SafeHandles.SafeFileHandle> _handles = new(StringComparer.Ordinal);

    private ModelDirectory(string path, Dictionary<string, string> tensorToFile)
    {
        Path = path;
        _tensorToFile = tensorToFile;
    }

    public string Path { get; }
    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");

    /// <summary>The shard files opened so far (for tests and diagnostics: what was touched).</summary>
    public IReadOnlyCollection<string> OpenedFiles => _open.Keys;

    public bool Contains(string tensor) => _tensorToFile.ContainsKey(tensor);

    /// <summary>
    /// A shard named by the index: a file name relative to the model folder that stays inside it. An absolute name or one
    /// climbing out with ".." would let a crafted index read any file on the machine as a "shard".
    /// </summary>
    private static string Shard(string index, string folder, string tensor, string name)
    {
        var root = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(folder)) + System.IO.Path.DirectorySeparatorChar;
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, name));
        if (name.Length == 0 || name.Contains('\0') || System.IO.Path.IsPathRooted(name) || !full.StartsWith(root, StringComparison.Ordinal))
            throw new CheckpointException(index, tensor, $"names the shard '{name}', which is not a file inside the model folder; shard names must be relative (e.g. model-00001-of-00002.safetensors).");
        return full;
    }

    public static ModelDirectory Open(string path)
    {
        if (!Directory.Exists(path))
            throw new CheckpointException(path, null, "model directory not found.");
        var index = System.IO.Path.Combine(path, IndexFileName);
        var single = System.IO.Path.Combine(path, SingleFileName);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(index))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(index));
                foreach (var p in doc.RootElement.GetProperty("weight_map").EnumerateObject())
                    map[p.Name] = Shard(index, path, p.Name, p.Value.GetString() ?? throw new JsonException("null file name"));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new CheckpointException(index, null, $"cannot read the shard index ({e.Message}); it needs a \"weight_map\" of tensor name to file.", e);
            }
        }
        else if (File.Exists(single))
        {
            using var file = SafetensorsFile.Open(single);
            foreach (var e in file.Entries)
                map[e.Name] = single;
        }
        else
        {
            throw new CheckpointException(path, null,
                $"no weights found: expected {SingleFileName} or {IndexFileName} (only safetensors checkpoints are supported; convert .bin files with transformers' save_pretrained(safe_serialization=True)).");
        }
        return new ModelDirectory(path, map);
    }

    /// <summary>The shard that holds <paramref name="name"/> (for messages).</summary>
    public string FileOf(string name) => _tensorToFile.TryGetValue(name, out var file) ? file : Path;

    /// <summary>
    /// Reads one tensor (CPU, stored dtype) and checks its shape. Missing tensors, missing shards and shape
    /// mismatches raise <see cref="CheckpointException"/> naming the file and tensor.
    /// </summary>
    public Tensor ReadTensor(string name, long[] expectedShape)
    {
        var (st, _) = Locate(name, expectedShape);
        return st.ReadTensor(name);
    }

    /// <summary>
    /// Reads one tensor straight onto a GPU through <paramref name="upload"/>'s pinned buffers, in its stored dtype,
    /// with the same checks as <see cref="ReadTensor"/>.
    /// </summary>
    public Tensor ReadTensorToDevice(string name, long[] expectedShape, DeviceUpload upload)
    {
        var (st, entry) = Locate(name, expectedShape);
        if (!_handles.TryGetValue(st.Path, out var handle))
        {
            handle = File.OpenHandle(st.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
            _handles[st.Path] = handle;
        }
        return upload.Read(handle, st.DataStart + entry.Begin, entry.End - entry.Begin, SafetensorsDType.ToScalarType(entry.DType), entry.Shape);
    }

    private (SafetensorsFile File, SafetensorsEntry Entry) Locate(string name, long[] expectedShape)
    {
        if (!_tensorToFile.TryGetValue(name, out var file))
            throw new CheckpointException(System.IO.Path.Combine(Path, File.Exists(System.IO.Path.Combine(Path, IndexFileName)) ? IndexFileName : SingleFileName), name,
                "missing from the checkpoint; the model directory is incomplete or is not a Llama checkpoint.");
        if (!_open.TryGetValue(file, out var st))
        {
            if (!File.Exists(file))
                throw new CheckpointException(file, name, $"shard file not found (listed in {IndexFileName}); the download is incomplete.");
            st = SafetensorsFile.Open(file);
            _open[file] = st;
        }
        var entry = st[name];
        if (!entry.Shape.SequenceEqual(expectedShape))
            throw new CheckpointException(file, name,
                $"has shape [{string.Join(", ", entry.Shape)}] but config.json implies [{string.Join(", ", expectedShape)}]; config and weights do not belong together.");
        return (st, entry);
    }

    public void Dispose()
    {
        foreach (var f in _open.Values)
            f.Dispose();
        _open.Clear();
        foreach (var h in _handles.Values)
            h.Dispose();
        _handles.Clear();
    }
}
