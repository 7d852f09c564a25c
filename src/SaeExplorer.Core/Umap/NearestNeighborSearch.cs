namespace SaeExplorer.Core.Umap;

/// <summary>
/// k-nearest-neighbour graphs: exact brute force, or NN-descent (Dong, Moses &amp; Li 2011) with random initial
/// neighbours. Both are deterministic for a seed whatever the thread count: work is split into fixed chunks whose
/// results are merged in chunk order.
/// </summary>
public static class NearestNeighborSearch
{
    private const int ChunkSize = 64;

    /// <summary>
    /// The kNN graph with <paramref name="neighborCount"/> neighbours per point (itself included); exact up to
    /// <paramref name="exactThreshold"/> points, NN-descent above.
    /// </summary>
    public static KnnGraph Compute(PointSet points, int neighborCount, UmapMetric metric, int seed = 42,
        int exactThreshold = 4096, int? maxDegreeOfParallelism = null)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (neighborCount < 2)
            throw new ArgumentOutOfRangeException(nameof(neighborCount), neighborCount, "n_neighbors must be at least 2");
        if (neighborCount >= points.Count)
            throw new ArgumentOutOfRangeException(nameof(neighborCount), neighborCount,
                $"n_neighbors ({neighborCount}) must be smaller than the number of points ({points.Count})");
        return points.Count <= exactThreshold
            ? Exact(points, neighborCount, metric, maxDegreeOfParallelism)
            : NnDescent(points, neighborCount, metric, seed, maxDegreeOfParallelism);
    }

    /// <summary>Exact kNN graph by computing every distance (O(N²·D), parallel over points).</summary>
    public static KnnGraph Exact(PointSet points, int neighborCount, UmapMetric metric, int? maxDegreeOfParallelism = null)
    {
        int n = points.Count, k = neighborCount;
        var indices = new int[n * k];
        var distances = new float[n * k];
        points.ForEachDistanceRow(metric, Parallelism(maxDegreeOfParallelism), () => 0,
            (i, row, _) => SelectSmallest(row, i, indices.AsSpan(i * k, k), distances.AsSpan(i * k, k)));
        return new KnnGraph(n, k, indices, distances, isExact: true);
    }

    internal static ParallelOptions Parallelism(int? maxDegree) =>
        new() { MaxDegreeOfParallelism = maxDegree is > 0 ? maxDegree.Value : Environment.ProcessorCount };

    /// <summary>The point itself, then the k − 1 smallest others of row (ties by index), into sorted outIdx/outDist.</summary>
    private static void SelectSmallest(ReadOnlySpan<float> row, int self, Span<int> outIdx, Span<float> outDist)
    {
        int k = outIdx.Length, filled = 1;
        outIdx[0] = self;
        outDist[0] = float.NegativeInfinity;
        for (int j = 0; j < row.Length; j++)
        {
            if (j == self)
                continue;
            float d = row[j];
            if (filled == k && d >= outDist[k - 1])
                continue;
            int position = filled < k ? filled++ : k - 1;
            while (position > 0 && outDist[position - 1] > d)
            {
                outDist[position] = outDist[position - 1];
                outIdx[position] = outIdx[position - 1];
                position--;
            }
            outDist[position] = d;
            outIdx[position] = j;
        }
        outDist[0] = 0f;
        outIdx[0] = self;
    }

    /// <summary>NN-descent: each round, neighbours of neighbours (forward and reverse, sampled) are compared pairwise.</summary>
    // Kept whole like pynndescent's nn_descent: the rounds share the candidate heaps and random state, and their order
    // is part of what makes a seed reproducible.
    public static KnnGraph NnDescent(PointSet points, int neighborCount, UmapMetric metric, int seed = 42,
        int? maxDegreeOfParallelism = null, int? iterations = null, double delta = 0.001)
    {
        int n = points.Count, k = neighborCount - 1;
        int maxCandidates = Math.Min(60, Math.Max(neighborCount, 20));
        int maxIterations = iterations ?? Math.Max(5, (int)Math.Round(Math.Log2(n)));
        var options = Parallelism(maxDegreeOfParallelism);
        var heap = new NeighborHeap(n, k);

        int chunks = (n + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, options, c =>
        {
            for (int i = c * ChunkSize; i < Math.Min(n, (c + 1) * ChunkSize); i++)
            {
                var random = UmapRandom.Derive(seed, i);
                var chosen = new HashSet<int> { i };
                while (chosen.Count < k + 1)
                {
                    int j = random.NextInt(n);
                    if (chosen.Add(j))
                        heap.Push(i, j, points.Distance(i, j, metric), isNew: true);
                }
            }
        });

        var newCandidates = new CandidateLists(n, maxCandidates);
        var oldCandidates = new CandidateLists(n, maxCandidates);
        var updates = new List<(int P, int Q, float D)>[chunks];
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            newCandidates.Clear();
            oldCandidates.Clear();
            var random = UmapRandom.Derive(seed, -1 - iteration);
            for (int i = 0; i < n; i++)
            {
                for (int s = 0; s < k; s++)
                {
                    int j = heap.Index(i, s);
                    if (j < 0)
                        continue;
                    double priority = random.NextDouble();
                    var lists = heap.IsNew(i, s) ? newCandidates : oldCandidates;
                    lists.Offer(i, j, priority);
                    lists.Offer(j, i, priority);
                }
            }
            for (int i = 0; i < n; i++)
            {
                for (int s = 0; s < k; s++)
                {
                    if (heap.IsNew(i, s) && newCandidates.Contains(i, heap.Index(i, s)))
                        heap.MarkOld(i, s);
                }
            }

            Parallel.For(0, chunks, options, c =>
            {
                var found = new List<(int, int, float)>();
                for (int u = c * ChunkSize; u < Math.Min(n, (c + 1) * ChunkSize); u++)
                {
                    var fresh = newCandidates.Of(u);
                    var old = oldCandidates.Of(u);
                    for (int a = 0; a < fresh.Length; a++)
                    {
                        int p = fresh[a];
                        for (int b = a + 1; b < fresh.Length; b++)
                            Consider(p, fresh[b]);
                        for (int b = 0; b < old.Length; b++)
                            Consider(p, old[b]);
                    }
                }
                updates[c] = found;

                void Consider(int p, int q)
                {
                    if (p == q)
                        return;
                    float d = points.Distance(p, q, metric);
                    if (d < heap.Max(p) || d < heap.Max(q))
                        found.Add((p, q, d));
                }
            });

            int changes = 0;
            foreach (var list in updates)
            {
                foreach (var (p, q, d) in list)
                {
                    changes += heap.Push(p, q, d, isNew: true) ? 1 : 0;
                    changes += heap.Push(q, p, d, isNew: true) ? 1 : 0;
                }
            }
            if (changes <= delta * k * n)
                break;
        }

        var indices = new int[n * neighborCount];
        var distances = new float[n * neighborCount];
        for (int i = 0; i < n; i++)
        {
            var order = Enumerable.Range(0, k).Where(s => heap.Index(i, s) >= 0)
                .OrderBy(s => heap.Distance(i, s)).ThenBy(s => heap.Index(i, s)).ToArray();
            indices[i * neighborCount] = i;
            for (int s = 0; s < k; s++)
            {
                indices[i * neighborCount + 1 + s] = s < order.Length ? heap.Index(i, order[s]) : -1;
                distances[i * neighborCount + 1 + s] = s < order.Length ? heap.Distance(i, order[s]) : float.PositiveInfinity;
            }
        }
        return new KnnGraph(n, neighborCount, indices, distances, isExact: false);
    }

    /// <summary>Per-point bounded max-heaps of (distance, index, new-flag); index −1 marks an empty slot.</summary>
    private sealed class NeighborHeap
    {
        private readonly int _k;
        private readonly int[] _indices;
        private readonly float[] _distances;
        private readonly bool[] _isNew;

        public NeighborHeap(int n, int k)
        {
            _k = k;
            _indices = new int[n * k];
            _distances = new float[n * k];
            _isNew = new bool[n * k];
            Array.Fill(_indices, -1);
            Array.Fill(_distances, float.PositiveInfinity);
        }

        public int Index(int i, int slot) => _indices[i * _k + slot];

        public float Distance(int i, int slot) => _distances[i * _k + slot];

        public bool IsNew(int i, int slot) => _isNew[i * _k + slot];

        public void MarkOld(int i, int slot) => _isNew[i * _k + slot] = false;

        public float Max(int i) => _distances[i * _k];

        /// <summary>Inserts j into i's heap if it beats the current worst and is not there yet; true if it changed.</summary>
        public bool Push(int i, int j, float d, bool isNew)
        {
            int b = i * _k;
            if (d >= _distances[b] || i == j)
                return false;
            for (int s = 0; s < _k; s++)
            {
                if (_indices[b + s] == j)
                    return false;
            }
            int pos = 0;
            while (true)
            {
                int left = 2 * pos + 1, right = left + 1, swap;
                if (left >= _k)
                    break;
                if (right >= _k || _distances[b + left] >= _distances[b + right])
                    swap = left;
                else
                    swap = right;
                if (_distances[b + swap] <= d)
                    break;
                _distances[b + pos] = _distances[b + swap];
                _indices[b + pos] = _indices[b + swap];
                _isNew[b + pos] = _isNew[b + swap];
                pos = swap;
            }
            _distances[b + pos] = d;
            _indices[b + pos] = j;
            _isNew[b + pos] = isNew;
            return true;
        }
    }

    /// <summary>Per-point candidate samples: keeps the entries with the smallest random priorities (reservoir-like).</summary>
    private sealed class CandidateLists
    {
        private readonly int _capacity;
        private readonly int[] _indices;
        private readonly double[] _priorities;
        private readonly int[] _counts;

        public CandidateLists(int n, int capacity)
        {
            _capacity = capacity;
            _indices = new int[n * capacity];
            _priorities = new double[n * capacity];
            _counts = new int[n];
        }

        public void Clear() => Array.Clear(_counts);

        public ReadOnlySpan<int> Of(int i) => _indices.AsSpan(i * _capacity, _counts[i]);

        public bool Contains(int i, int j) => Of(i).Contains(j);

        public void Offer(int i, int j, double priority)
        {
            int b = i * _capacity, count = _counts[i];
            for (int s = 0; s < count; s++)
            {
                if (_indices[b + s] == j)
                    return;
            }
            if (count < _capacity)
            {
                _indices[b + count] = j;
                _priorities[b + count] = priority;
                _counts[i] = count + 1;
                return;
            }
            int worst = 0;
            for (int s = 1; s < count; s++)
            {
                if (_priorities[b + s] > _priorities[b + worst])
                    worst = s;
            }
            if (priority < _priorities[b + worst])
            {
                _indices[b + worst] = j;
                _priorities[b + worst] = priority;
            }
        }
    }
}
