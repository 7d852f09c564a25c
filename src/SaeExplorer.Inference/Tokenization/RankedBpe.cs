using System.Text;

namespace SaeExplorer.Inference.Tokenization;

/// <summary>
/// Tiktoken's byte-pair merge — repeatedly join the adjacent pair whose bytes form the lowest-ranked token, the
/// leftmost on a tie — in O(n log n) with a heap over a linked list of parts, instead of the quadratic rescan that
/// Microsoft.ML.Tokenizers does per piece (a 10 MB one-word prompt took minutes). Used for long pieces only; the
/// result is the same token for token (tested against the library on random pieces).
/// </summary>
internal sealed class RankedBpe
{
    // Byte sequences are keyed as Latin-1 strings (one char per byte) so the rank table is an ordinary string map
    // that can be probed with a span.
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ranks;

    public RankedBpe(IEnumerable<(byte[] Bytes, int Rank)> tokens)
    {
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (bytes, rank) in tokens)
            ranks[Encoding.Latin1.GetString(bytes)] = rank;
        _ranks = ranks.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Appends the ranks (= token ids) of <paramref name="piece"/>'s UTF-8 bytes, merged, to <paramref name="ids"/>.</summary>
    public void Encode(ReadOnlySpan<char> piece, List<int> ids)
    {
        var bytes = Encoding.UTF8.GetBytes(piece.ToArray());
        var text = Encoding.Latin1.GetString(bytes);
        int n = text.Length;
        if (n == 0)
            return;
        if (_ranks.TryGetValue(text, out int whole))
        {
            ids.Add(whole);
            return;
        }
        // Parts are identified by their first byte; next[p] is the following part's start (n at the end), prev[p] the
        // previous part's (-1 at the start). A heap entry (rank, start) names the pair beginning at start; entries made
        // stale by a merge are recognised on the way out (the pair's current rank differs, or the part is gone).
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        var heap = new PriorityQueue<int, (int Rank, int Start)>();
        int PairRank(int start)
        {
            int second = next[start];
            if (second >= n)
                return -1;
            return _ranks.TryGetValue(text.AsSpan(start, next[second] - start), out int r) ? r : -1;
        }
        void Offer(int start)
        {
            if (start >= 0 && PairRank(start) is var r and >= 0)
                heap.Enqueue(start, (r, start));
        }
        for (int i = 0; i < n - 1; i++)
            Offer(i);
        while (heap.TryDequeue(out int start, out var key))
        {
            if (!alive[start] || PairRank(start) != key.Rank)
                continue;
            int second = next[start];
            alive[second] = false;
            next[start] = next[second];
            if (next[start] < n)
                prev[next[start]] = start;
            Offer(prev[start]);
            Offer(start);
        }
        for (int p = 0; p < n; p = next[p])
        {
            ids.Add(_ranks.TryGetValue(text.AsSpan(p, next[p] - p), out int r)
                ? r
                : throw new InvalidOperationException($"byte sequence at {p} has no token; the vocabulary lacks a single byte (this is a bug)."));
        }
    }
}
