using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// A cursor's place in the grammar with what cannot change the next token's mask folded away: for every frame of the
/// stack, innermost first, its node, its state and <see cref="GrammarNode.KeyParts"/> of its count and value. Two
/// cursors with equal keys allow exactly the same tokens (the trie walk only ever feeds a cursor one token's bytes, at
/// most the lookahead), so the key can stand for the mask; the converse need not hold, it only costs a cache miss.
/// </summary>
internal sealed class MaskKey : IEquatable<MaskKey>
{
    private const int PartsPerFrame = 3;

    // Per frame: node id and state in one long, then the two key parts.
    private readonly long[] _parts;
    private readonly int _hash;

    private MaskKey(long[] parts)
    {
        _parts = parts;
        var hash = new HashCode();
        foreach (long part in parts)
            hash.Add(part);
        _hash = hash.ToHashCode();
    }

    /// <summary>The key of <paramref name="cursor"/>, which must not be complete (a complete cursor allows no token).</summary>
    /// <param name="lookahead">the most bytes a token has in the vocabulary the mask is over</param>
    public static MaskKey Of(in Cursor cursor, int lookahead)
    {
        int frames = 1;
        for (var link = cursor.Rest; link is not null; link = link.Next)
            frames++;
        var parts = new long[frames * PartsPerFrame];
        Put(parts, 0, cursor.Top, lookahead);
        int i = PartsPerFrame;
        for (var link = cursor.Rest; link is not null; link = link.Next, i += PartsPerFrame)
            Put(parts, i, link.Frame, lookahead);
        return new MaskKey(parts);
    }

    private static void Put(long[] parts, int i, in Frame frame, int lookahead)
    {
        parts[i] = ((long)frame.Node.Id << 32) | (uint)frame.State;
        frame.Node.KeyParts(frame, lookahead, out parts[i + 1], out parts[i + 2]);
    }

    public bool Equals(MaskKey? other) => other is not null && _hash == other._hash && _parts.AsSpan().SequenceEqual(other._parts);

    public override bool Equals(object? obj) => Equals(obj as MaskKey);

    public override int GetHashCode() => _hash;
}

/// <summary>
/// The masks one <see cref="JsonConstraint"/> has computed over one <see cref="TokenTrie"/>, by <see cref="MaskKey"/>:
/// a state seen before (by any sequence or request sharing the compiled constraint) costs a copy instead of a trie walk.
/// Thread-safe. Each mask is a bitset of the vocabulary, before the stop tokens (which are per sequence) are set:
/// ⌈V / 64⌉ × 8 bytes, 16,032 bytes for Llama 3's 128,256 tokens. At most <see cref="Capacity"/> masks are kept
/// (4,096, ≈ 64 MiB at 128k tokens, by default); past that the least recently used quarter is dropped. The judge's
/// schema needs a few hundred: one per structural place, one for "inside a string with room for any token", and one
/// per remaining character count (and string state) within a token's length of a <c>maxLength</c>.
/// </summary>
internal sealed class MaskCache
{
    /// <summary>The default bound on masks kept per constraint and vocabulary.</summary>
    public const int DefaultCapacity = 4_096;

    /// <summary>Byte (8 mask bits) → the 8 bools it expands to, as 8 consecutive bytes of 0 or 1.</summary>
    private static readonly byte[] Expansion = BuildExpansion();

    private readonly ConcurrentDictionary<MaskKey, Entry> _masks = new();
    private readonly Lock _evicting = new();
    private readonly int _vocabularySize;
    private int _count;
    private long _clock, _hits, _misses;

    public MaskCache(TokenTrie trie, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _vocabularySize = trie.VocabularySize;
        Lookahead = trie.DepthBelow[0];
        Capacity = capacity;
    }

    /// <summary>The most bytes a token of the vocabulary has: how far ahead a mask can look into the grammar.</summary>
    public int Lookahead { get; }

    /// <summary>The most masks kept.</summary>
    public int Capacity { get; }

    /// <summary>Masks kept now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Lookups that found their mask.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that did not (the caller walked the trie and added the mask).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public MaskKey KeyOf(in Cursor cursor) => MaskKey.Of(cursor, Lookahead);

    /// <summary>
    /// On a hit, sets <paramref name="allowed"/> to the mask (false past the vocabulary) and returns true with the
    /// number allowed; on a miss leaves it as it is.
    /// </summary>
    public bool TryFill(MaskKey key, Span<bool> allowed, out int count)
    {
        if (!_masks.TryGetValue(key, out var entry))
        {
            Interlocked.Increment(ref _misses);
            count = 0;
            return false;
        }
        Interlocked.Increment(ref _hits);
        entry.LastUse = Interlocked.Increment(ref _clock);
        Expand(entry.Bits, _vocabularySize, allowed);
        count = entry.Count;
        return true;
    }

    /// <summary>Keeps <paramref name="allowed"/> (the vocabulary's entries), which <paramref name="count"/> are true, as the mask of <paramref name="key"/>.</summary>
    public void Add(MaskKey key, ReadOnlySpan<bool> allowed, int count)
    {
        var entry = new Entry(Pack(allowed[.._vocabularySize]), count) { LastUse = Interlocked.Increment(ref _clock) };
        // Another sequence may have walked the same state at the same time; its mask is the same.
        if (_masks.TryAdd(key, entry) && Interlocked.Increment(ref _count) > Capacity)
            Evict();
    }

    /// <summary>Drops the least recently used quarter, down to three quarters of the capacity.</summary>
    private void Evict()
    {
        lock (_evicting)
        {
            if (Volatile.Read(ref _count) <= Capacity)
                return;
            // The uses are read once: hits go on updating them while this sorts.
            var entries = _masks.ToArray();
            var lastUses = Array.ConvertAll(entries, e => e.Value.LastUse);
            Array.Sort(lastUses, entries);
            int drop = entries.Length - Capacity * 3 / 4;
            for (int i = 0; i < drop; i++)
            {
                if (_masks.TryRemove(entries[i].Key, out _))
                    Interlocked.Decrement(ref _count);
            }
        }
    }

    /// <summary>The bitset of <paramref name="allowed"/>: bit i of word i / 64 is entry i.</summary>
    internal static ulong[] Pack(ReadOnlySpan<bool> allowed)
    {
        var bits = new ulong[(allowed.Length + 63) / 64];
        for (int i = 0; i < allowed.Length; i++)
        {
            if (allowed[i])
                bits[i >> 6] |= 1UL << i;
        }
        return bits;
    }

    /// <summary>
    /// Writes the first <paramref name="length"/> bits of <paramref name="bits"/> into <paramref name="allowed"/> as
    /// bools, and false into the rest of it: a table lookup and one 8-byte store per 8 entries (about 16,000 stores for
    /// 128k tokens, microseconds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Expand(ReadOnlySpan<ulong> bits, int length, Span<bool> allowed)
    {
        if (allowed.Length < length || bits.Length * 64 < length)
            throw new ArgumentException("The mask is shorter than the bitset's length.", nameof(allowed));
        ref byte target = ref Unsafe.As<bool, byte>(ref MemoryMarshal.GetReference(allowed));
        ref byte table = ref MemoryMarshal.GetArrayDataReference(Expansion);
        int words = length / 64;
        for (int w = 0; w < words; w++)
        {
            ulong word = bits[w];
            ref byte at = ref Unsafe.Add(ref target, w * 64);
            for (int k = 0; k < 8; k++)
            {
                int b = (int)(word >> (k * 8)) & 0xFF;
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref at, k * 8), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref table, b * 8)));
            }
        }
        for (int i = words * 64; i < length; i++)
            allowed[i] = ((bits[i >> 6] >> i) & 1) != 0;
        allowed[length..].Clear();
    }

    private static byte[] BuildExpansion()
    {
        var table = new byte[256 * 8];
        for (int b = 0; b < 256; b++)
        {
            for (int bit = 0; bit < 8; bit++)
                table[b * 8 + bit] = (byte)((b >> bit) & 1);
        }
        return table;
    }

    private sealed class Entry(ulong[] bits, int count)
    {
        public readonly ulong[] Bits = bits;
        public readonly int Count = count;

        /// <summary>The cache's clock at the last use; written by any thread, read when evicting (a stale value only shifts the order a little).</summary>
        public long LastUse;
    }
}
