namespace SaeExplorer.Core.Umap;

/// <summary>A symmetric sparse weighted graph in CSR form, rows and columns ascending (scipy's canonical order).</summary>
internal sealed class SparseGraph(int count, int[] rowStarts, int[] columns, float[] weights)
{
    public int Count { get; } = count;
    public int[] RowStarts { get; } = rowStarts;
    public int[] Columns { get; } = columns;
    public float[] Weights { get; } = weights;

    public int EdgeCount => Columns.Length;

    /// <summary>Connected component of every vertex (numbered in order of first vertex) and the component count.</summary>
    public (int[] Labels, int Count) ConnectedComponents()
    {
        var labels = new int[Count];
        Array.Fill(labels, -1);
        int components = 0;
        var stack = new Stack<int>();
        for (int start = 0; start < Count; start++)
        {
            if (labels[start] >= 0)
                continue;
            labels[start] = components;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int v = stack.Pop();
                for (int e = RowStarts[v]; e < RowStarts[v + 1]; e++)
                {
                    int w = Columns[e];
                    if (labels[w] < 0)
                    {
                        labels[w] = components;
                        stack.Push(w);
                    }
                }
            }
            components++;
        }
        return (labels, components);
    }

    /// <summary>The induced subgraph on the given vertices (in the given order).</summary>
    public SparseGraph Subgraph(int[] vertices)
    {
        var local = new Dictionary<int, int>(vertices.Length);
        for (int i = 0; i < vertices.Length; i++)
            local[vertices[i]] = i;
        var starts = new int[vertices.Length + 1];
        var columns = new List<int>();
        var weights = new List<float>();
        for (int i = 0; i < vertices.Length; i++)
        {
            int v = vertices[i];
            var row = new List<(int Column, float Weight)>();
            for (int e = RowStarts[v]; e < RowStarts[v + 1]; e++)
            {
                if (local.TryGetValue(Columns[e], out int c))
                    row.Add((c, Weights[e]));
            }
            row.Sort((x, y) => x.Column.CompareTo(y.Column));
            foreach (var (c, w) in row)
            {
                columns.Add(c);
                weights.Add(w);
            }
            starts[i + 1] = columns.Count;
        }
        return new SparseGraph(vertices.Length, starts, [.. columns], [.. weights]);
    }
}

/// <summary>
/// UMAP's fuzzy simplicial set: per-point smooth kNN distances (ρ = distance to the nearest neighbour, σ by binary
/// search so Σ exp(−(d − ρ)/σ) = log₂ k), directed memberships, then fuzzy union A + Aᵀ − A∘Aᵀ (umap-learn 0.5).
/// </summary>
internal static class FuzzySimplicialSet
{
    private const double SmoothKTolerance = 1e-5;
    private const double MinKDistScale = 1e-3;

    public static SparseGraph Build(KnnGraph knn, float localConnectivity, float setOpMixRatio)
    {
        var (sigmas, rhos) = SmoothKnnDistances(knn, localConnectivity);
        int n = knn.Count, k = knn.NeighborCount;
        var entries = new List<(int Row, int Column, float Weight, bool Transposed)>(2 * n * k);
        for (int i = 0; i < n; i++)
        {
            var neighbors = knn.NeighborsOf(i);
            var distances = knn.DistancesOf(i);
            for (int s = 0; s < k; s++)
            {
                int j = neighbors[s];
                if (j < 0 || j == i)
                    continue;
                double value = distances[s] - rhos[i] <= 0 || sigmas[i] == 0
                    ? 1.0
                    : Math.Exp(-(distances[s] - rhos[i]) / sigmas[i]);
                entries.Add((i, j, (float)value, false));
                entries.Add((j, i, (float)value, true));
            }
        }
        entries.Sort((x, y) => x.Row != y.Row ? x.Row.CompareTo(y.Row) : x.Column.CompareTo(y.Column));

        var starts = new int[n + 1];
        var columns = new List<int>(entries.Count);
        var weights = new List<float>(entries.Count);
        for (int e = 0; e < entries.Count;)
        {
            var (row, column, _, _) = entries[e];
            double a = 0, at = 0;
            for (; e < entries.Count && entries[e].Row == row && entries[e].Column == column; e++)
            {
                if (entries[e].Transposed)
                    at = entries[e].Weight;
                else
                    a = entries[e].Weight;
            }
            double product = a * at;
            double value = setOpMixRatio * (a + at - product) + (1 - setOpMixRatio) * product;
            if (value > 0)
            {
                columns.Add(column);
                weights.Add((float)value);
                starts[row + 1] = columns.Count;
            }
        }
        for (int i = 1; i <= n; i++)
            starts[i] = Math.Max(starts[i], starts[i - 1]);
        return new SparseGraph(n, starts, [.. columns], [.. weights]);
    }

    /// <summary>umap-learn's <c>smooth_knn_dist</c> (64 bisection steps, bandwidth 1; the self entry is skipped in the sum).</summary>
    // One method, line for line with umap-learn's, so the two can be compared step by step.
    public static (double[] Sigmas, double[] Rhos) SmoothKnnDistances(KnnGraph knn, float localConnectivity)
    {
        int n = knn.Count, k = knn.NeighborCount;
        double target = Math.Log2(k);
        var sigmas = new double[n];
        var rhos = new double[n];
        double meanAll = 0;
        int finite = 0;
        foreach (float d in knn.Distances)
        {
            if (float.IsFinite(d))
            {
                meanAll += d;
                finite++;
            }
        }
        meanAll /= Math.Max(1, finite);

        var nonZero = new List<double>(k);
        for (int i = 0; i < n; i++)
        {
            var distances = knn.DistancesOf(i);
            nonZero.Clear();
            double meanRow = 0;
            int rowFinite = 0;
            foreach (float d in distances)
            {
                if (d > 0 && float.IsFinite(d))
                    nonZero.Add(d);
                if (float.IsFinite(d))
                {
                    meanRow += d;
                    rowFinite++;
                }
            }
            meanRow /= Math.Max(1, rowFinite);
            if (nonZero.Count >= localConnectivity)
            {
                int index = (int)Math.Floor(localConnectivity);
                double interpolation = localConnectivity - index;
                if (index > 0)
                {
                    rhos[i] = nonZero[index - 1];
                    if (interpolation > SmoothKTolerance)
                        rhos[i] += interpolation * (nonZero[index] - nonZero[index - 1]);
                }
                else
                {
                    rhos[i] = interpolation * nonZero[0];
                }
            }
            else if (nonZero.Count > 0)
            {
                rhos[i] = nonZero.Max();
            }

            double lo = 0, hi = double.PositiveInfinity, mid = 1;
            for (int step = 0; step < 64; step++)
            {
                double psum = 0;
                for (int s = 1; s < k; s++)
                {
                    if (!float.IsFinite(distances[s]))
                        continue;
                    double d = distances[s] - rhos[i];
                    psum += d > 0 ? Math.Exp(-(d / mid)) : 1.0;
                }
                if (Math.Abs(psum - target) < SmoothKTolerance)
                    break;
                if (psum > target)
                {
                    hi = mid;
                    mid = (lo + hi) / 2;
                }
                else
                {
                    lo = mid;
                    mid = double.IsPositiveInfinity(hi) ? mid * 2 : (lo + hi) / 2;
                }
            }
            sigmas[i] = mid;
            double floor = MinKDistScale * (rhos[i] > 0 ? meanRow : meanAll);
            if (sigmas[i] < floor)
                sigmas[i] = floor;
        }
        return (sigmas, rhos);
    }
}
