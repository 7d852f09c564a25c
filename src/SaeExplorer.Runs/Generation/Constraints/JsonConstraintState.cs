using System.Runtime.CompilerServices;

namespace SaeExplorer.Runs.Generation.Constraints;

/// <summary>
/// One sequence's place in a <see cref="JsonConstraint"/>: which tokens may come next, and advancing past the chosen
/// one. Mutable and not thread-safe; <see cref="Clone"/> is cheap (a few words: the stack is shared, immutable).
/// </summary>
/// <remarks>
/// Per decoding step: <see cref="FillAllowed"/> into a mask, mask the logits, sample, then <see cref="TryAdvance(int)"/>
/// with the sampled id (it returns true for any id the mask allowed). Once <see cref="IsComplete"/>, only the stop
/// tokens are allowed; with no stop tokens the mask is empty and the caller ends the sequence itself.
/// </remarks>
public sealed class JsonConstraintState
{
    private readonly TokenTrie _trie;
    private readonly int[] _stopIds;
    private readonly MaskCache? _masks;
    private Cursor _cursor;

    /// <param name="masks">the constraint's masks over <paramref name="trie"/>, shared by all its sequences; null to walk the trie every time</param>
    internal JsonConstraintState(TokenTrie trie, int[] stopIds, MaskCache? masks, Cursor cursor)
    {
        _trie = trie;
        _stopIds = stopIds;
        _masks = masks;
        _cursor = cursor;
    }

    /// <summary>The value is finished and nothing may follow it: only a stop token.</summary>
    public bool IsComplete => _cursor.Complete;

    /// <summary>
    /// The text so far is a complete value, so a stop token is allowed. Usually the same as <see cref="IsComplete"/>;
    /// differs only when the top-level value is a number, which is complete after <c>1</c> but may still become <c>10</c>.
    /// </summary>
    public bool CanStop => _cursor.CanStop;

    /// <summary>An independent copy (for beam search, or to try a token without committing to it).</summary>
    public JsonConstraintState Clone() => new(_trie, _stopIds, _masks, _cursor);

    /// <summary>
    /// Advances past a token's bytes if the grammar allows all of them; otherwise returns false and leaves the state as
    /// it was. A token that spells nothing is never allowed.
    /// </summary>
    public bool TryAdvance(ReadOnlySpan<byte> tokenBytes)
    {
        if (tokenBytes.IsEmpty)
            return false;
        var next = _cursor;
        foreach (byte b in tokenBytes)
        {
            if (!next.Advance(b))
                return false;
        }
        _cursor = next;
        return true;
    }

    /// <summary>
    /// Advances past token <paramref name="tokenId"/> if it is allowed. A stop token is allowed when
    /// <see cref="CanStop"/>, and leaves the state as it is (the sequence ends there).
    /// </summary>
    public bool TryAdvance(int tokenId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tokenId);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(tokenId, _trie.VocabularySize);
        return Array.IndexOf(_stopIds, tokenId) >= 0 ? CanStop : TryAdvance(_trie.Bytes(tokenId));
    }

    /// <summary>
    /// Sets <paramref name="allowed"/>[id] to whether token id may come next, for every id (entries past the
    /// vocabulary, as in padded logits, are false), and returns how many are allowed. 0 only when the value is complete
    /// and there are no stop tokens, or when the vocabulary cannot spell any way on (a byte-level vocabulary always can).
    /// </summary>
    /// <remarks>
    /// The first time any sequence of the same <see cref="JsonConstraint"/> and vocabulary reaches a state, this walks
    /// the token trie (milliseconds for a 128k vocabulary); every later time the mask is copied from the constraint's
    /// cache (microseconds). See <see cref="MaskKey"/> for which states count as the same.
    /// </remarks>
    public int FillAllowed(Span<bool> allowed) => FillAllowed(allowed, useCache: true);

    /// <summary><see cref="FillAllowed(Span{bool})"/> by walking the trie, without reading or filling the cache (for tests).</summary>
    internal int FillAllowedUncached(Span<bool> allowed) => FillAllowed(allowed, useCache: false);

    /// <summary>The key this state's mask is cached under; null once complete or when the constraint caches no masks (for tests).</summary>
    internal MaskKey? CacheKey => _cursor.Complete || _masks is null ? null : _masks.KeyOf(_cursor);

    private int FillAllowed(Span<bool> allowed, bool useCache)
    {
        if (allowed.Length < _trie.VocabularySize)
            throw new ArgumentException($"The mask has {allowed.Length} entries, fewer than the {_trie.VocabularySize} tokens of the vocabulary.", nameof(allowed));
        int count = 0;
        if (_cursor.Complete)
            allowed.Clear();
        else if (!useCache || _masks is null)
        {
            allowed.Clear();
            Walk(0, _cursor, allowed, ref count);
        }
        else
        {
            var key = _masks.KeyOf(_cursor);
            if (!_masks.TryFill(key, allowed, out count))
            {
                allowed.Clear();
                Walk(0, _cursor, allowed, ref count);
                _masks.Add(key, allowed, count);
            }
        }
        // Stop tokens are only ever stops, even where the vocabulary gives them bytes.
        bool stop = _cursor.CanStop;
        foreach (int id in _stopIds)
        {
            if (allowed[id] != stop)
            {
                allowed[id] = stop;
                count += stop ? 1 : -1;
            }
        }
        return count;
    }

    /// <summary>The ids <see cref="FillAllowed"/> allows, ascending.</summary>
    public int[] AllowedTokenIds()
    {
        var mask = new bool[_trie.VocabularySize];
        var ids = new int[FillAllowed(mask)];
        int n = 0;
        for (int id = 0; id < mask.Length; id++)
        {
            if (mask[id])
                ids[n++] = id;
        }
        return ids;
    }

    /// <summary>
    /// Allows every token below trie <paramref name="node"/>, whose prefix took the automaton to
    /// <paramref name="cursor"/>: each edge advances a copy of the cursor by one byte, and a refused byte drops the
    /// whole subtree behind it.
    /// </summary>
    // Optimised from the first call: a server needs fast masks from its first request, and the tiered JIT would
    // run these recursive walks unoptimised (several times slower) until it gets round to them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Walk(int node, in Cursor cursor, Span<bool> allowed, ref int count)
    {
        int run = cursor.PlainRun;
        if (run > 0)
        {
            WalkPlain(node, cursor, run, 0, allowed, ref count);
            return;
        }
        var trie = _trie;
        for (int e = trie.EdgeStart[node]; e < trie.EdgeStart[node + 1]; e++)
        {
            var next = cursor;
            if (next.Advance(trie.EdgeByte[e]))
                Enter(trie.EdgeTarget[e], next, allowed, ref count);
        }
    }

    /// <summary>
    /// <see cref="Walk"/> inside a string, the state a model spends most steps in and the one where most of the
    /// vocabulary is allowed. <paramref name="start"/> takes <paramref name="run"/> plain bytes, of which the path to
    /// <paramref name="node"/> used <paramref name="used"/>: plain bytes only count up, without a cursor copy or a step,
    /// and a subtree of plain text that fits is allowed whole. Any other byte goes through the cursor.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkPlain(int node, in Cursor start, int run, int used, Span<bool> allowed, ref int count)
    {
        var trie = _trie;
        if (trie.PlainBelow[node] && trie.DepthBelow[node] <= run - used)
        {
            AllowSlice(trie.OwnEnd[node], trie.SubtreeEnd[node], allowed, ref count);
            return;
        }
        for (int e = trie.EdgeStart[node]; e < trie.EdgeStart[node + 1]; e++)
        {
            byte b = trie.EdgeByte[e];
            int child = trie.EdgeTarget[e];
            if (used < run && TokenTrie.IsPlainStringByte(b))
            {
                AllowSlice(trie.SubtreeStart[child], trie.OwnEnd[child], allowed, ref count);
                if (trie.EdgeStart[child] < trie.EdgeStart[child + 1])
                    WalkPlain(child, start, run, used + 1, allowed, ref count);
                continue;
            }
            var next = start;
            next.TakePlain(used);
            if (next.Advance(b))
                Enter(child, next, allowed, ref count);
        }
    }

    /// <summary>The automaton took the edge into <paramref name="child"/>: its own tokens are allowed, then those below.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Enter(int child, in Cursor cursor, Span<bool> allowed, ref int count)
    {
        var trie = _trie;
        AllowSlice(trie.SubtreeStart[child], trie.OwnEnd[child], allowed, ref count);
        if (trie.EdgeStart[child] < trie.EdgeStart[child + 1])
            Walk(child, cursor, allowed, ref count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AllowSlice(int from, int to, Span<bool> allowed, ref int count)
    {
        var order = _trie.Order;
        for (int i = from; i < to; i++)
            allowed[order[i]] = true;
        count += to - from;
    }
}
