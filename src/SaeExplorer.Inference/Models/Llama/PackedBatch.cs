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

    private PackedBatch(int[] lengths, Tensor ids, Tensor positions, Tensor? padIndex, Tensor? mask)
    {
        Lengths = lengths;
        Ids = ids;
        Positions = positions;
        PadIndex = padIndex;
        Mask = mask;
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

    /// <summary>The same batch on another device (cached), for layers placed on another GPU.</summary>
    public PackedBatch On(Device device)
    {
        if (device.type == Device.type && device.index == Device.index)
            return this;
        var key = device.ToString();
        if (!_copies.TryGetValue(key, out var copy))
        {
            copy = Detached(new PackedBatch(Lengths, Ids.to(device), Positions.to(device), PadIndex?.to(device), Mask?.to(device)));
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
    }
}
