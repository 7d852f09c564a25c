using System.IO.Compression;
using System.Text;
using SaeExplorer.Inference.Loading;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Saes.Formats;

/// <summary>
/// Reads the tensors of a <c>torch.save</c> state dict (the zip format PyTorch has written since 1.6) without
/// running anything: the pickle is interpreted by <see cref="RestrictedUnpickler"/>, which knows dicts, tuples,
/// scalars and the handful of torch globals that rebuild tensors, and refuses every other global — the same
/// contract as <c>torch.load(weights_only=True)</c>. Storage bytes are streamed from the zip into torch memory.
/// </summary>
public static class TorchCheckpointReader
{
    /// <summary>Reads a state dict: a dict whose every value is a tensor.</summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        var root = Load(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            if (root is not Dictionary<object, object?> dict)
                throw new CheckpointException(path, null, $"expected a state dict (a dict of name → tensor) but the pickle holds {RestrictedUnpickler.Describe(root)}.");
            foreach (var (key, value) in dict)
            {
                if (key is not string name)
                    throw new CheckpointException(path, null, $"state dict key {key} is not a string.");
                if (value is not Tensor tensor)
                    throw new CheckpointException(path, name, $"expected a tensor, found {RestrictedUnpickler.Describe(value)}.");
                result[name] = tensor;
            }
            return result;
        }
        catch
        {
            DisposeTensors(root);
            throw;
        }
    }

    /// <summary>Names and shapes of a state dict's tensors, read from the pickle alone (no tensor data is read).</summary>
    public static Dictionary<string, long[]> ReadShapes(string path)
    {
        using var zip = OpenZip(path);
        var (root, _) = Unpickle(zip, path);
        if (root is not Dictionary<object, object?> dict)
            throw new CheckpointException(path, null, $"expected a state dict (a dict of name → tensor) but the pickle holds {RestrictedUnpickler.Describe(root)}.");
        return dict.Where(kv => kv.Key is string && kv.Value is PickledTensor)
            .ToDictionary(kv => (string)kv.Key, kv => ((PickledTensor)kv.Value!).Shape, StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads any weights-only checkpoint: dicts (<c>Dictionary&lt;object, object?&gt;</c>), lists, tuples
    /// (<c>object?[]</c>), strings, longs, doubles, bools, null and tensors (CPU, stored dtype). The caller owns the tensors.
    /// </summary>
    public static object? Load(string path)
    {
        using var zip = OpenZip(path);
        var (root, prefix) = Unpickle(zip, path);
        var materialized = new List<Tensor>();
        try
        {
            return MaterializeAll(root, zip, prefix, path, null, materialized);
        }
        catch
        {
            materialized.ForEach(t => t.Dispose());
            throw;
        }
    }

    private static ZipArchive OpenZip(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "file not found.");
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException)
        {
            throw new CheckpointException(path, null, IsLegacyPickle(path)
                ? "this is PyTorch's legacy (pre-1.6) serialization; re-save it with torch.save(state_dict, path) from a current PyTorch."
                : "not a PyTorch checkpoint (not a zip archive); the file may be corrupt or truncated.");
        }
    }

    private const long MaxPickleBytes = 64L << 20;

    private static (object? Root, string Prefix) Unpickle(ZipArchive zip, string path)
    {
        var pickleEntry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new CheckpointException(path, null, "not a PyTorch checkpoint: the archive has no <name>/data.pkl.");
        var prefix = pickleEntry.FullName[..^"data.pkl".Length];
        var byteOrder = zip.GetEntry(prefix + "byteorder");
        if (byteOrder is not null)
        {
            using var r = new StreamReader(byteOrder.Open(), Encoding.ASCII);
            if (r.ReadToEnd().Trim() != "little")
                throw new CheckpointException(path, null, "the checkpoint was saved on a big-endian machine; only little-endian checkpoints are supported.");
        }
        // A state dict's pickle is kilobytes to a few megabytes; a larger one (declared or actual: a zip bomb's header
        // may lie) is refused before it is inflated into memory.
        if (pickleEntry.Length > MaxPickleBytes)
            throw new CheckpointException(path, null, $"its pickle {pickleEntry.FullName} inflates to {pickleEntry.Length:N0} bytes; a checkpoint's is far smaller (at most {MaxPickleBytes:N0}).");
        using var pkl = new MemoryStream();
        using (var s = pickleEntry.Open())
        {
            var buffer = new byte[81920];
            int read;
            while ((read = s.Read(buffer)) > 0)
            {
                if (pkl.Length + read > MaxPickleBytes)
                    throw new CheckpointException(path, null, $"its pickle {pickleEntry.FullName} inflates past {MaxPickleBytes:N0} bytes; a checkpoint's is far smaller.");
                pkl.Write(buffer, 0, read);
            }
        }
        try
        {
            return (new RestrictedUnpickler(pkl.ToArray()).Load(), prefix);
        }
        catch (UnpicklingException e)
        {
            throw new CheckpointException(path, null, $"refused to load: {e.Message}", e);
        }
    }

    private static object? MaterializeAll(object? node, ZipArchive zip, string prefix, string path, string? name, List<Tensor> made)
    {
        switch (node)
        {
            case PickledTensor pt:
                var t = Materialize(zip, prefix, pt, path, name ?? "tensor");
                made.Add(t);
                return t;
            case Dictionary<object, object?> dict:
                foreach (var key in dict.Keys.ToList())
                    dict[key] = MaterializeAll(dict[key], zip, prefix, path, key as string ?? name, made);
                return dict;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++)
                    list[i] = MaterializeAll(list[i], zip, prefix, path, name, made);
                return list;
            case object?[] tuple:
                for (int i = 0; i < tuple.Length; i++)
                    tuple[i] = MaterializeAll(tuple[i], zip, prefix, path, name, made);
                return tuple;
            default:
                return node;
        }
    }

    /// <summary>Disposes every tensor inside a structure returned by <see cref="Load"/>.</summary>
    public static void DisposeTensors(object? node)
    {
        switch (node)
        {
            case Tensor t: t.Dispose(); break;
            case Dictionary<object, object?> d: foreach (var v in d.Values) DisposeTensors(v); break;
            case List<object?> l: l.ForEach(DisposeTensors); break;
            case object?[] a: foreach (var v in a) DisposeTensors(v); break;
        }
    }

    private static bool IsLegacyPickle(string path)
    {
        using var fs = File.OpenRead(path);
        return fs.ReadByte() == 0x80;
    }

    /// <summary>
    /// Shape, strides, offset and storage size checked before libtorch sees them: non-negative, no overflow, and the
    /// view inside its storage (libtorch would abort or read out of bounds otherwise).
    /// </summary>
    private static void CheckLayout(PickledTensor pt, string path, string name)
    {
        if (pt.Storage.ElementCount < 0 || pt.StorageOffset < 0 || pt.Shape.Any(d => d < 0) || pt.Stride.Any(s => s < 0) || pt.Shape.Length != pt.Stride.Length)
            throw new CheckpointException(path, name, $"its storage size, offset, shape [{string.Join(", ", pt.Shape)}] or strides [{string.Join(", ", pt.Stride)}] are negative or mismatched; the file is corrupt.");
        try
        {
            long needed = 0;
            if (pt.Shape.All(d => d > 0))
            {
                needed = pt.StorageOffset + 1;
                for (int i = 0; i < pt.Shape.Length; i++)
                    needed = checked(needed + (pt.Shape[i] - 1) * pt.Stride[i]);
            }
            _ = pt.Shape.Aggregate(1L, (a, d) => checked(a * d));
            _ = checked(pt.Storage.ElementCount * sizeof(double));
            if (needed > pt.Storage.ElementCount)
                throw new CheckpointException(path, name, "its shape and strides reach past the end of its storage; the file is corrupt.");
        }
        catch (OverflowException)
        {
            throw new CheckpointException(path, name, $"its shape [{string.Join(", ", pt.Shape)}] and strides overflow 64 bits; the file is corrupt.");
        }
    }

    private static Tensor Materialize(ZipArchive zip, string prefix, PickledTensor pt, string path, string name)
    {
        var entry = zip.GetEntry($"{prefix}data/{pt.Storage.Key}")
            ?? throw new CheckpointException(path, name, $"its storage data/{pt.Storage.Key} is missing from the archive (truncated file?).");
        long elementSize = SafetensorsDType.ElementSize(pt.Storage.DType);
        CheckLayout(pt, path, name);
        long storageBytes = checked(pt.Storage.ElementCount * elementSize);
        if (entry.Length != storageBytes)
            throw new CheckpointException(path, name, $"storage data/{pt.Storage.Key} has {entry.Length} bytes but its header says {storageBytes}; the file is corrupt.");

        var storage = empty([pt.Storage.ElementCount], pt.Storage.DType);
        try
        {
            using var s = entry.Open();
            // Stream in slices: a 65,536 × 8,192 float32 encoder is 2 GiB, more than one managed array should hold.
            const int chunkElements = 1 << 24;
            var buffer = new byte[Math.Min(storageBytes, chunkElements * elementSize)];
            // Zip readers do not check a stored entry's CRC-32; one flipped byte would silently give other features.
            var crc = new System.IO.Hashing.Crc32();
            for (long start = 0; start < pt.Storage.ElementCount; start += chunkElements)
            {
                long count = Math.Min(chunkElements, pt.Storage.ElementCount - start);
                var span = buffer.AsSpan(0, (int)(count * elementSize));
                s.ReadExactly(span);
                crc.Append(span);
                using var slice = storage.narrow(0, start, count);
                slice.bytes = span;
            }
            if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
                throw new CheckpointException(path, name, $"storage data/{pt.Storage.Key} fails its CRC-32 check: the file is damaged (re-download it).");
            using var view = storage.as_strided(pt.Shape, pt.Stride, pt.StorageOffset);
            return view.contiguous();
        }
        finally
        {
            storage.Dispose();
        }
    }

}
