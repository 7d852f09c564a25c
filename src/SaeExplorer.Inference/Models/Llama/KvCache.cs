using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// The keys and values of every sequence being decoded, per layer, preallocated for the longest sequence the
/// generation can reach: [sequences, kv heads, capacity, head dim] on each layer's device, in the model's dtype.
/// Row r is one sequence throughout; <see cref="Keep"/> drops finished ones so they stop costing compute.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly LayerCache[] _layers;

    internal KvCache(IReadOnlyList<Device> layerDevices, int sequences, int capacity, int kvHeads, int headDim, ScalarType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequences, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Sequences = sequences;
        _layers = layerDevices.Select(d => new LayerCache(
            zeros([sequences, kvHeads, capacity, headDim], dtype, d).DetachFromDisposeScope(),
            zeros([sequences, kvHeads, capacity, headDim], dtype, d).DetachFromDisposeScope())).ToArray();
    }

    /// <summary>How many sequences (rows) the cache holds now; each has room for its prompt and every token it may generate.</summary>
    public int Sequences { get; private set; }

    internal LayerCache Layer(int layer) => _layers[layer];

    /// <summary>Keeps the rows <paramref name="rows"/>, in that order; the others are dropped.</summary>
    public void Keep(IReadOnlyList<int> rows)
    {
        if (rows.Count == 0)
            throw new ArgumentException("a cache keeps at least one sequence; dispose it when none is left", nameof(rows));
        foreach (var layer in _layers)
            layer.Keep(rows);
        Sequences = rows.Count;
    }

    /// <summary>
    /// Replaces <paramref name="t"/> [rows, ...] by its rows <paramref name="rows"/> in that order (nothing to do when
    /// they are all of them, in order): the copy outlives any dispose scope, the old tensor is freed.
    /// </summary>
    internal static void KeepRows(ref Tensor t, IReadOnlyList<int> rows)
    {
        if (rows.Count == t.shape[0] && rows.Select((r, i) => r == i).All(same => same))
            return;
        using var index = tensor(rows.Select(r => (long)r).ToArray(), device: t.device);
        var kept = t.index_select(0, index).DetachFromDisposeScope();
        t.Dispose();
        t = kept;
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
    }

    /// <summary>One layer's keys and values [sequences, kv heads, capacity, head dim].</summary>
    internal sealed class LayerCache(Tensor keys, Tensor values) : IDisposable
    {
        public Tensor Keys = keys;
        public Tensor Values = values;

        public void Keep(IReadOnlyList<int> rows)
        {
            KeepRows(ref Keys, rows);
            KeepRows(ref Values, rows);
        }

        public void Dispose()
        {
            Keys.Dispose();
            Values.Dispose();
        }
    }
}
