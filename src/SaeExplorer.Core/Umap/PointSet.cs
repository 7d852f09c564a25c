using System.Numerics.Tensors;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Umap;

/// <summary>Distance between two points of a <see cref="PointSet"/>.</summary>
public enum UmapMetric
{
    /// <summary>‖x − y‖₂.</summary>
    Euclidean,

    /// <summary>1 − cos(x, y); 0 when both are zero vectors and 1 when exactly one is (as umap-learn).</summary>
    Cosine,
}

/// <summary>
/// The points UMAP and <see cref="EmbeddingMetrics"/> work on: dense rows (raw activations) or sparse vectors (SAE
/// features). Construction validates once (no rows, ragged rows, NaN/∞, bad sparse indices) so every later step can
/// trust the data. Norms are precomputed because every distance the cosine metric and the sparse Euclidean distance
/// need reuses them.
/// </summary>
public sealed class PointSet
{
    private readonly float[][]? _dense;
    private readonly SparseVector[]? _sparse;
    private readonly float[] _squaredNorms;

    private PointSet(float[][]? dense, SparseVector[]? sparse, int count, int dimension)
    {
        _dense = dense;
        _sparse = sparse;
        Count = count;
        Dimension = dimension;
        _squaredNorms = new float[count];
        for (int i = 0; i < count; i++)
        {
            _squaredNorms[i] = dense is not null
                ? TensorPrimitives.Dot(dense[i], dense[i])
                : TensorPrimitives.Dot(sparse![i].Values, sparse[i].Values);
        }
    }

    /// <summary>Number of points.</summary>
    public int Count { get; }

    /// <summary>Dimension of the space (for sparse points, the feature count).</summary>
    public int Dimension { get; }

    /// <summary>Whether the points are stored as sparse vectors.</summary>
    public bool IsSparse => _sparse is not null;

    /// <summary>
    /// Dense points, one array per row; all rows must have the same, non-zero length and finite values. The row arrays
    /// are referenced, not copied (10,000 × 8,192 is 328 MB): do not change them while the set is in use.
    /// </summary>
    public static PointSet FromDense(IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            throw new ArgumentException("the data has no rows", nameof(rows));
        var list = new float[rows.Count][];
        int dimension = rows[0]?.Length ?? throw new ArgumentException("row 0 is null", nameof(rows));
        if (dimension == 0)
            throw new ArgumentException("the rows have no columns", nameof(rows));
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"row {i} is null", nameof(rows));
            if (row.Length != dimension)
                throw new ArgumentException($"ragged data: row {i} has {row.Length} values, row 0 has {dimension}", nameof(rows));
            CheckFinite(row, i, nameof(rows));
            list[i] = row;
        }
        return new PointSet(list, null, list.Length, dimension);
    }

    /// <summary>
    /// Sparse points (e.g. pooled SAE features). All vectors must share one feature count; indices must be ascending,
    /// in range and unique, values finite. A vector with no active feature is allowed (it is the zero vector).
    /// </summary>
    public static PointSet FromSparse(IReadOnlyList<SparseVector> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
            throw new ArgumentException("the data has no rows", nameof(vectors));
        int dimension = vectors[0]?.FeatureCount ?? throw new ArgumentException("row 0 is null", nameof(vectors));
        if (dimension <= 0)
            throw new ArgumentException($"row 0 has feature count {dimension}", nameof(vectors));
        var list = new SparseVector[vectors.Count];
        for (int i = 0; i < vectors.Count; i++)
        {
            var v = vectors[i] ?? throw new ArgumentException($"row {i} is null", nameof(vectors));
            if (v.FeatureCount != dimension)
                throw new ArgumentException($"ragged data: row {i} has feature count {v.FeatureCount}, row 0 has {dimension}", nameof(vectors));
            if (v.Indices.Length != v.Values.Length)
                throw new ArgumentException($"row {i} has {v.Indices.Length} indices but {v.Values.Length} values", nameof(vectors));
            for (int k = 0; k < v.Indices.Length; k++)
            {
                int index = v.Indices[k];
                if (index < 0 || index >= dimension)
                    throw new ArgumentException($"row {i}: feature index {index} is outside [0, {dimension})", nameof(vectors));
                if (k > 0 && index <= v.Indices[k - 1])
                    throw new ArgumentException($"row {i}: feature indices must be strictly ascending ({v.Indices[k - 1]} then {index})", nameof(vectors));
            }
            CheckFinite(v.Values, i, nameof(vectors));
            list[i] = v;
        }
        return new PointSet(null, list, list.Length, dimension);
    }

    private static void CheckFinite(ReadOnlySpan<float> values, int row, string parameter)
    {
        for (int j = 0; j < values.Length; j++)
        {
            if (!float.IsFinite(values[j]))
                throw new ArgumentException($"row {row} has a non-finite value ({values[j]}) at position {j}", parameter);
        }
    }

    /// <summary>Distance between points i and j. Dense Euclidean subtracts directly (no ‖x‖²+‖y‖²−2x·y cancellation).</summary>
    internal float Distance(int i, int j, UmapMetric metric)
    {
        if (_dense is not null)
        {
            return metric == UmapMetric.Euclidean
                ? TensorPrimitives.Distance(_dense[i], _dense[j])
                : CosineFromDot(TensorPrimitives.Dot(_dense[i], _dense[j]), _squaredNorms[i], _squaredNorms[j]);
        }
        float dot = SparseDot(_sparse![i], _sparse[j]);
        return FromDot(dot, i, j, metric);
    }

    internal float FromDot(float dot, int i, int j, UmapMetric metric) =>
        metric == UmapMetric.Euclidean
            ? MathF.Sqrt(MathF.Max(0f, _squaredNorms[i] + _squaredNorms[j] - 2f * dot))
            : CosineFromDot(dot, _squaredNorms[i], _squaredNorms[j]);

    private static float CosineFromDot(float dot, float squaredNormX, float squaredNormY)
    {
        if (squaredNormX == 0f && squaredNormY == 0f)
            return 0f;
        if (squaredNormX == 0f || squaredNormY == 0f)
            return 1f;
        return MathF.Max(0f, 1f - dot / MathF.Sqrt(squaredNormX * squaredNormY));
    }

    private static float SparseDot(SparseVector x, SparseVector y)
    {
        var xi = x.Indices;
        var yi = y.Indices;
        int a = 0, b = 0;
        float sum = 0f;
        while (a < xi.Length && b < yi.Length)
        {
            if (xi[a] == yi[b])
                sum += x.Values[a++] * y.Values[b++];
            else if (xi[a] < yi[b])
                a++;
            else
                b++;
        }
        return sum;
    }

    /// <summary>
    /// Distances from point i to every point (row[j] = d(i, j)). For sparse points, i is scattered into a dense scratch
    /// buffer once so each other point costs only its own active count, not a merge of both index lists.
    /// </summary>
    internal void DistanceRow(int i, Span<float> row, UmapMetric metric, float[]? scratch)
    {
        if (_dense is not null && Dimension <= 4 && metric == UmapMetric.Euclidean)
        {
            // Embeddings: a plain loop beats a vectorised call per pair at 2–4 dimensions.
            var xi = _dense[i];
            for (int j = 0; j < Count; j++)
            {
                var xj = _dense[j];
                float sum = 0f;
                for (int d = 0; d < xi.Length; d++)
                {
                    float t = xi[d] - xj[d];
                    sum += t * t;
                }
                row[j] = MathF.Sqrt(sum);
            }
            return;
        }
        if (_dense is not null)
        {
            var xi = _dense[i];
            for (int j = 0; j < Count; j++)
            {
                row[j] = metric == UmapMetric.Euclidean
                    ? TensorPrimitives.Distance(xi, _dense[j])
                    : CosineFromDot(TensorPrimitives.Dot(xi, _dense[j]), _squaredNorms[i], _squaredNorms[j]);
            }
            return;
        }
        var buffer = scratch ?? new float[Dimension];
        var v = _sparse![i];
        for (int k = 0; k < v.Indices.Length; k++)
            buffer[v.Indices[k]] = v.Values[k];
        for (int j = 0; j < Count; j++)
        {
            var w = _sparse[j];
            float dot = 0f;
            for (int k = 0; k < w.Indices.Length; k++)
                dot += buffer[w.Indices[k]] * w.Values[k];
            row[j] = FromDot(dot, i, j, metric);
        }
        for (int k = 0; k < v.Indices.Length; k++)
            buffer[v.Indices[k]] = 0f;
    }

    /// <summary>
    /// Calls <paramref name="body"/>(i, row, local) for every point i with row[j] = d(i, j), in parallel. Dense points
    /// are processed 32 rows at a time through <see cref="DenseDistanceKernel"/> so each streamed row serves a whole block.
    /// The body must only write state owned by i (or by its thread-local value).
    /// </summary>
    internal void ForEachDistanceRow<TLocal>(UmapMetric metric, ParallelOptions options, Func<TLocal> init, DistanceRowBody<TLocal> body)
    {
        if (_dense is null || !DenseDistanceKernel.IsAccelerated || Dimension < 16)
        {
            Parallel.For(0, Count, options,
                () => (Row: new float[Count], Scratch: NewScratch(), Local: init()),
                (i, _, state) =>
                {
                    DistanceRow(i, state.Row, metric, state.Scratch);
                    body(i, state.Row, state.Local);
                    return state;
                },
                _ => { });
            return;
        }
        const int Block = 32;
        int blocks = (Count + Block - 1) / Block;
        Parallel.For(0, blocks, options,
            () => (Rows: new float[Block * Count], Tile: new float[16], Local: init()),
            (block, _, state) =>
            {
                int start = block * Block, rows = Math.Min(Block, Count - start);
                DenseBlock(start, rows, metric, state.Rows, state.Tile);
                for (int r = 0; r < rows; r++)
                    body(start + r, state.Rows.AsSpan(r * Count, Count), state.Local);
                return state;
            },
            _ => { });
    }

    private void DenseBlock(int start, int rows, UmapMetric metric, float[] output, float[] tile)
    {
        var x = _dense!;
        bool euclidean = metric == UmapMetric.Euclidean;
        int full = rows / 4 * 4;
        for (int j = 0; j < Count; j += 4)
        {
            if (j + 4 <= Count)
            {
                for (int r = 0; r < full; r += 4)
                {
                    int i = start + r;
                    DenseDistanceKernel.Tile(x[i], x[i + 1], x[i + 2], x[i + 3], x[j], x[j + 1], x[j + 2], x[j + 3], euclidean, tile);
                    for (int a = 0; a < 4; a++)
                        for (int b = 0; b < 4; b++)
                            output[(r + a) * Count + j + b] = FromKernel(tile[a * 4 + b], i + a, j + b, euclidean);
                }
            }
            for (int r = 0; r < rows; r++)
            {
                int i = start + r;
                for (int jj = j; jj < Math.Min(j + 4, Count); jj++)
                {
                    if (r < full && j + 4 <= Count)
                        continue;
                    output[r * Count + jj] = euclidean
                        ? TensorPrimitives.Distance(x[i], x[jj])
                        : FromKernel(TensorPrimitives.Dot(x[i], x[jj]), i, jj, euclidean: false);
                }
            }
        }
    }

    private float FromKernel(float value, int i, int j, bool euclidean) =>
        euclidean ? MathF.Sqrt(MathF.Max(0f, value)) : CosineFromDot(value, _squaredNorms[i], _squaredNorms[j]);

    /// <summary>Scratch buffer for <see cref="DistanceRow"/> (one per thread); null for dense points.</summary>
    internal float[]? NewScratch() => _sparse is null ? null : new float[Dimension];

    /// <summary>
    /// One step of the centred covariance operator, result_k = (X − 1μᵀ)ᵀ(X − 1μᵀ)·v_k / N for each vector v_k, without
    /// ever forming the centred (for sparse data: densified) matrix. Used by PCA.
    /// </summary>
    internal void CovarianceTimes(double[][] v, double[][] result, double[] means)
    {
        int s = v.Length;
        var vf = new float[s][];
        var shift = new double[s];
        for (int k = 0; k < s; k++)
        {
            vf[k] = Array.ConvertAll(v[k], x => (float)x);
            for (int d = 0; d < Dimension; d++)
                shift[k] += means[d] * v[k][d];
        }
        var projected = new float[s][];
        for (int k = 0; k < s; k++)
            projected[k] = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            for (int k = 0; k < s; k++)
                projected[k][i] = (float)(RowDot(i, vf[k]) - shift[k]);
        }
        var accum = new float[s][];
        for (int k = 0; k < s; k++)
        {
            accum[k] = new float[Dimension];
            for (int i = 0; i < Count; i++)
                AddScaledRow(i, projected[k][i], accum[k]);
            double total = 0;
            for (int i = 0; i < Count; i++)
                total += projected[k][i];
            for (int d = 0; d < Dimension; d++)
                result[k][d] = (accum[k][d] - means[d] * total) / Count;
        }
    }

    /// <summary>Coordinates of the centred points along a direction: (x_i − μ)·v.</summary>
    internal double[] Project(double[] direction, double[] means)
    {
        var v = Array.ConvertAll(direction, x => (float)x);
        double shift = SubspaceEigenSolver.Dot(means, direction);
        var result = new double[Count];
        for (int i = 0; i < Count; i++)
            result[i] = RowDot(i, v) - shift;
        return result;
    }

    /// <summary>Mean of the given points, dense or sparse like the input.</summary>
    internal (float[]? Dense, SparseVector? Sparse) Centroid(IReadOnlyList<int> members)
    {
        var sum = new float[Dimension];
        foreach (int i in members)
            AddScaledRow(i, 1f / members.Count, sum);
        if (_dense is not null)
            return (sum, null);
        var indices = new List<int>();
        var values = new List<float>();
        for (int d = 0; d < sum.Length; d++)
        {
            if (sum[d] != 0f)
            {
                indices.Add(d);
                values.Add(sum[d]);
            }
        }
        return (null, new SparseVector(Dimension, [.. indices], [.. values]));
    }

    private float RowDot(int i, float[] v)
    {
        if (_dense is not null)
            return TensorPrimitives.Dot(_dense[i], v);
        var s = _sparse![i];
        float sum = 0f;
        for (int k = 0; k < s.Indices.Length; k++)
            sum += s.Values[k] * v[s.Indices[k]];
        return sum;
    }

    private void AddScaledRow(int i, float scale, float[] accum)
    {
        if (_dense is not null)
        {
            TensorPrimitives.MultiplyAdd(_dense[i], scale, accum, accum);
            return;
        }
        var s = _sparse![i];
        for (int k = 0; k < s.Indices.Length; k++)
            accum[s.Indices[k]] += scale * s.Values[k];
    }

    /// <summary>Adds point i to a dense accumulator (centroids of connected components).</summary>
    internal void AddTo(int i, float[] accum) => AddScaledRow(i, 1f, accum);

    /// <summary>Column means (used to centre PCA implicitly, so sparse data is never densified).</summary>
    internal double[] ColumnMeans()
    {
        var sum = new float[Dimension];
        for (int i = 0; i < Count; i++)
            AddScaledRow(i, 1f, sum);
        return Array.ConvertAll(sum, x => (double)x / Count);
    }
}

/// <summary>Receives one row of distances (see <see cref="PointSet"/>'s ForEachDistanceRow).</summary>
internal delegate void DistanceRowBody<in TLocal>(int i, ReadOnlySpan<float> row, TLocal local);
