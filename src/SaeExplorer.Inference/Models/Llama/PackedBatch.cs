using TorchSharp;
using static TorchSharp.torch;

namespace SaeExplorer.Inference.Models.Llama;

/// <summary>
/// Several prompts laid end to end as one [N] token sequence ("packed"), so every per-token layer (norms,
/// projections, MLP) computes on exactly the real tokens — no padding work. Only attention needs the prompts apart:
/// it scatters q/k/v into a right-padded [B, Tmax] layout with <see cref="PadIndex"/>, masks the padding, and gathers
/// back. Each prompt's tokens sit at positions 0..len-1, exactly as if it ran alone.
/// </summary>
public sealed class PackedBatch : IDisposable
{
    private readonly Dictionary<string, PackedBatch> _copies = [];

    private PackedBatch(int[] lengths, Tensor ids, Tensor positions, Tensor? padIndex, Tensor? mask, CachedKeys? cached = null)
    {
        Lengths = lengths;
        Ids = ids;
        Positions = positions;
        PadIndex = padIndex;
        Mask = mask;
        Cached = cached;
        Offsets = new int[lengths.Length + 1];
        for (int i = 0; i < lengths.Length; i++)
            Offsets[i + 1] = Offsets[i] + lengths[i];
    }

    public int[] Lengths { get; }

    /// <summary>Row of the first token of each prompt in the packed sequence (length B + 1).</summary>
    public int[] Offsets { get; }

    public int TokenCount => Offsets[^1];
    public int BatchSize => Lengths.Length;
    public int MaxLength => Lengths.Max();

    /// <summary>True when every prompt has the same length: attention then needs no scatter and no mask.</summary>
    public bool Uniform => Lengths.All(l => l == Lengths[0]);

    public Tensor Ids { get; }
    public Tensor Positions { get; }

    /// <summary>[N] int64: packed row → row of the padded [B × Tmax] layout; null when <see cref="Uniform"/>.</summary>
    public Tensor? PadIndex { get; }

    /// <summary>[B, 1, Tmax, Tmax] bool, true where a query may attend to a key; null when <see cref="Uniform"/> (causal only).</summary>
    public Tensor? Mask { get; }

    public Device Device => Ids.device;

    /// <summary>
    /// Set for a decoding step (<see cref="Step"/>): each row is one sequence's newest token, whose earlier keys and
    /// values are in a <see cref="KvCache"/>; null for a batch of whole prompts.
    /// </summary>
    public CachedKeys? Cached { get; }

    /// <summary>What attention needs to read a step's keys from the cache and write the new ones into it.</summary>
    /// <param name="KeyCount">how many cache positions the longest sequence uses, this token's included</param>
    /// <param name="WriteIndex">[rows, 1, 1, 1] int64: the position each row's new key and value go to</param>
    /// <param name="KeyMask">
    /// [rows, 1, 1, KeyCount] bool: the positions each row may attend to (its own, 0..position); null when every row is
    /// at the same position, so all KeyCount keys are its own
    /// </param>
    public sealed record CachedKeys(int KeyCount, Tensor WriteIndex, Tensor? KeyMask);

    public static PackedBatch Create(IReadOnlyList<int[]> prompts, Device device)
    {
        var lengths = prompts.Select(p => p.Length).ToArray();
        if (lengths.Any(l => l == 0))
            throw new ArgumentException("a prompt with no tokens cannot be packed", nameof(prompts));
        int n = lengths.Sum(), tMax = lengths.Max(), b = lengths.Length;
        var ids = new long[n];
        var positions = new long[n];
        var pad = new long[n];
        int row = 0;
        for (int p = 0; p < b; p++)
        {
            for (int t = 0; t < lengths[p]; t++, row++)
            {
                ids[row] = prompts[p][t];
                positions[row] = t;
                pad[row] = (long)p * tMax + t;
            }
        }
        bool uniform = lengths.All(l => l == tMax);
        Tensor? padIndex = null, mask = null;
        if (!uniform)
        {
            padIndex = tensor(pad, device: device);
            var valid = new bool[b * tMax];
            for (int p = 0; p < b; p++)
                for (int t = 0; t < lengths[p]; t++)
                    valid[p * tMax + t] = true;
            using var keys = tensor(valid, [b, 1, 1, tMax], device: device);
            using var causal = ones(tMax, tMax, ScalarType.Bool, device).tril();
            mask = causal.logical_and(keys);
        }
        return Detached(new PackedBatch(lengths, tensor(ids, device: device), tensor(positions, device: device), padIndex, mask));
    }

    /// <summary>
    /// One decoding step: row r is the token <paramref name="ids"/>[r] at <paramref name="positions"/>[r] of cache row r,
    /// whose earlier positions hold that sequence's keys and values.
    /// </summary>
    public static PackedBatch Step(int[] ids, int[] positions, Device device)
    {
        if (ids.Length == 0 || ids.Length != positions.Length)
            throw new ArgumentException("a step needs one position per token, and at least one token", nameof(positions));
        int keyCount = positions.Max() + 1;
        var lengths = Enumerable.Repeat(1, ids.Length).ToArray();
        var ids64 = ids.Select(i => (long)i).ToArray();
        var pos64 = positions.Select(p => (long)p).ToArray();
        // Sequences at the same position attend to every cached key: no mask, which lets PyTorch pick its flash
        // kernel, as transformers' decoding does for an unpadded batch.
        Tensor? keyMask = null;
        if (positions.Any(p => p != positions[0]))
        {
            var valid = new bool[ids.Length * keyCount];
            for (int r = 0; r < ids.Length; r++)
                for (int t = 0; t <= positions[r]; t++)
                    valid[r * keyCount + t] = true;
            keyMask = tensor(valid, [ids.Length, 1, 1, keyCount], device: device);
        }
        var cached = new CachedKeys(keyCount, tensor(pos64, [ids.Length, 1, 1, 1], device: device), keyMask);
        return Detached(new PackedBatch(lengths, tensor(ids64, device: device), tensor(pos64, device: device), null, null, cached));
    }

    /// <summary>The same batch on another device (cached), for layers placed on another GPU.</summary>
    public PackedBatch On(Device device)
    {
        if (device.type == Device.type && device.index == Device.index)
            return this;
        var key = device.ToString();
        if (!_copies.TryGetValue(key, out var copy))
        {
            var cached = Cached is null ? null : Cached with { WriteIndex = Cached.WriteIndex.to(device), KeyMask = Cached.KeyMask?.to(device) };
            copy = Detached(new PackedBatch(Lengths, Ids.to(device), Positions.to(device), PadIndex?.to(device), Mask?.to(device), cached));
            _copies[key] = copy;
        }
        return copy;
    }

    // A batch owns its tensors (Dispose frees them); none may be freed early by whatever dispose scope was open
    // when it was made, such as a forward pass that moved it to another device.
    private static PackedBatch Detached(PackedBatch batch)
    {
        batch.Ids.DetachFromDisposeScope();
        batch.Positions.DetachFromDisposeScope();
        batch.PadIndex?.DetachFromDisposeScope();
        batch.Mask?.DetachFromDisposeScope();
        batch.Cached?.WriteIndex.DetachFromDisposeScope();
        batch.Cached?.KeyMask?.DetachFromDisposeScope();
        return batch;
    }

    /// <summary>Scatters packed rows [N, ...] into the padded layout [B, Tmax, ...].</summary>
    public Tensor Pad(Tensor packed)
    {
        long[] rest = packed.shape[1..];
        if (Uniform)
            return packed.reshape([BatchSize, MaxLength, .. rest]);
        using var flat = packed.new_zeros([(long)BatchSize * MaxLength, .. rest]);
        return flat.index_copy_(0, PadIndex!, packed).reshape([BatchSize, MaxLength, .. rest]);
    }

    /// <summary>Gathers the real rows of a padded [B, Tmax, ...] tensor back into packed [N, ...].</summary>
    public Tensor Unpad(Tensor padded)
    {
        long[] rest = padded.shape[2..];
        using var flat = padded.reshape([(long)BatchSize * MaxLength, .. rest]);
        return Uniform ? flat.alias() : flat.index_select(0, PadIndex!);
    }

    public void Dispose()
    {
        foreach (var c in _copies.Values)
            c.Dispose();
        _copies.Clear();
        Ids.Dispose();
        Positions.Dispose();
        PadIndex?.Dispose();
        Mask?.Dispose();
        Cached?.WriteIndex.Dispose();
        Cached?.KeyMask?.Dispose();
    }
}
