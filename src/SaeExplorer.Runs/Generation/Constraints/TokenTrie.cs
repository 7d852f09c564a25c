using System.Runtime.CompilerServices;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// A byte trie over every usable token of a vocabulary. Constrained decoding walks it depth-first with the grammar's
/// state, so one byte the grammar refuses prunes every token that goes on with it, instead of trying 128k tokens one by
/// one. Immutable: build it once per vocabulary (<see cref="For"/> caches it) and share it across sequences, requests
/// and threads. Tokens that spell nothing (null or empty: special tokens) are left out, so they are never allowed
/// inside JSON; stop tokens are added by <see cref="JsonConstraintState"/>.
/// </summary>
public sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<IReadOnlyList<byte[]?>, TokenTrie> Cache = new();

    private readonly IReadOnlyList<byte[]?> _tokens;

    // Node n's outgoing edges are [EdgeStart[n], EdgeStart[n + 1]); node 0 is the root (the empty prefix).
    internal readonly int[] EdgeStart;
    internal readonly byte[] EdgeByte;
    internal readonly int[] EdgeTarget;

    // Token ids in lexicographic byte order, which is the trie's depth-first order: a node's tokens are one slice,
    // Order[SubtreeStart[n], SubtreeEnd[n]), of which the first ones, up to OwnEnd[n], spell exactly the node's prefix.
    // A whole subtree can so be allowed by one loop over a slice, without walking it.
    internal readonly int[] Order;
    internal readonly int[] SubtreeStart;
    internal readonly int[] OwnEnd;
    internal readonly int[] SubtreeEnd;

    /// <summary>Per node: the most bytes any token below it adds to the node's prefix (0 for a leaf).</summary>
    internal readonly int[] DepthBelow;

    /// <summary>
    /// Per node: every byte below it is printable ASCII other than <c>"</c> and <c>\</c>, which a JSON string takes as
    /// one character each. Inside a string with room for <see cref="DepthBelow"/> more characters, the whole subtree is
    /// allowed at once: that is most of the vocabulary, and the common state while a model writes free text.
    /// </summary>
    internal readonly bool[] PlainBelow;

    /// <summary>Builds the trie of <paramref name="tokens"/>, indexed by token id; prefer <see cref="For"/>, which caches it.</summary>
    public TokenTrie(IReadOnlyList<byte[]?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        _tokens = tokens;
        var ids = new List<int>(tokens.Count);
        for (int id = 0; id < tokens.Count; id++)
        {
            if (tokens[id] is { Length: > 0 })
                ids.Add(id);
        }
        Order = [.. ids];
        // Ties (two ids with the same bytes) by id, so the order does not depend on the sort's stability.
        Array.Sort(Order, (a, b) =>
        {
            int c = tokens[a].AsSpan().SequenceCompareTo(tokens[b]);
            return c != 0 ? c : a.CompareTo(b);
        });

        // Breadth-first, so each node's edges are allocated together, in one contiguous run.
        var start = new List<int> { 0 };
        var end = new List<int> { Order.Length };
        var depth = new List<int> { 0 };
        var ownEnd = new List<int>();
        var edgeStart = new List<int>();
        var edgeByte = new List<byte>();
        var edgeTarget = new List<int>();
        for (int n = 0; n < start.Count; n++)
        {
            int hi = end[n], d = depth[n], i = start[n];
            // Tokens that end at this node sort before the longer ones that go on from it.
            while (i < hi && tokens[Order[i]]!.Length == d)
                i++;
            ownEnd.Add(i);
            edgeStart.Add(edgeByte.Count);
            while (i < hi)
            {
                byte b = tokens[Order[i]]![d];
                int j = i + 1;
                while (j < hi && tokens[Order[j]]![d] == b)
                    j++;
                edgeByte.Add(b);
                edgeTarget.Add(start.Count);
                start.Add(i);
                end.Add(j);
                depth.Add(d + 1);
                i = j;
            }
        }
        edgeStart.Add(edgeByte.Count);
        EdgeStart = [.. edgeStart];
        EdgeByte = [.. edgeByte];
        EdgeTarget = [.. edgeTarget];
        SubtreeStart = [.. start];
        SubtreeEnd = [.. end];
        OwnEnd = [.. ownEnd];

        // Children have higher ids than their parent, so one backward pass sees every child first.
        DepthBelow = new int[start.Count];
        PlainBelow = new bool[start.Count];
        for (int n = start.Count - 1; n >= 0; n--)
        {
            bool plain = true;
            int below = 0;
            for (int e = EdgeStart[n]; e < EdgeStart[n + 1]; e++)
            {
                int child = EdgeTarget[e];
                plain &= IsPlainStringByte(EdgeByte[e]) && PlainBelow[child];
                below = Math.Max(below, 1 + DepthBelow[child]);
            }
            PlainBelow[n] = plain;
            DepthBelow[n] = below;
        }
    }

    /// <summary>
    /// The trie of <paramref name="tokens"/>, built on first use and kept as long as that list instance lives. The list
    /// must not change afterwards: the cache is keyed by the instance, not its contents.
    /// </summary>
    public static TokenTrie For(IReadOnlyList<byte[]?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return Cache.GetValue(tokens, t => new TokenTrie(t));
    }

    /// <summary>The number of token ids, usable or not: the length an allowed-token mask needs.</summary>
    public int VocabularySize => _tokens.Count;

    /// <summary>The number of trie nodes, the root included (what a full walk visits at most).</summary>
    public int NodeCount => SubtreeStart.Length;

    internal ReadOnlySpan<byte> Bytes(int tokenId) => _tokens[tokenId];

    /// <summary>Bytes a JSON string takes as one character each, with no escape and no multi-byte sequence.</summary>
    internal static bool IsPlainStringByte(byte b) => b is >= 0x20 and < 0x80 and not (byte)'"' and not (byte)'\\';
}
