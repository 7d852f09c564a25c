namespace SaeExplorer.Core.Umap;

/// <summary>Quality of an embedding against its input (and, when labels are given, of the classes in the embedding).</summary>
/// <param name="Trustworthiness">Venna &amp; Kaski's trustworthiness at k (1 = no false neighbours).</param>
/// <param name="KnnPreservation">Mean fraction of each point's k input-space neighbours among its k embedded neighbours.</param>
/// <param name="KnnAccuracy">Leave-one-out kNN classification accuracy in the embedding (null without labels).</param>
/// <param name="Silhouette">Euclidean silhouette of the labels in the embedding (null without labels).</param>
public sealed record EmbeddingQuality(double Trustworthiness, double KnnPreservation, double? KnnAccuracy, double? Silhouette);

/// <summary>
/// Embedding quality metrics. All are exact (O(N²·D)) and parallel over points; inputs may be dense or sparse, with
/// Euclidean or cosine distances. Neighbour ties are broken by index.
/// </summary>
public static class EmbeddingMetrics
{
    /// <summary>
    /// Trustworthiness as <c>sklearn.manifold.trustworthiness</c>: 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uᵢ} (r(i, j) − k),
    /// where Uᵢ are the points among i's k embedded neighbours that are not among its k input neighbours and r(i, j) is
    /// j's rank by input distance from i (1 = nearest). Requires k &lt; n/2.
    /// </summary>
    public static double Trustworthiness(PointSet input, IReadOnlyList<float[]> embedding, int k,
        UmapMetric inputMetric = UmapMetric.Euclidean, int? maxDegreeOfParallelism = null) =>
        Compare(input, embedding, k, inputMetric, maxDegreeOfParallelism).Trustworthiness;

    /// <summary>Mean over points of |kNN_input(i) ∩ kNN_embedding(i)| / k (neighbours exclude the point itself).</summary>
    public static double KnnPreservation(PointSet input, IReadOnlyList<float[]> embedding, int k,
        UmapMetric inputMetric = UmapMetric.Euclidean, int? maxDegreeOfParallelism = null) =>
        Compare(input, embedding, k, inputMetric, maxDegreeOfParallelism).Preservation;

    /// <summary>
    /// Trustworthiness and kNN preservation (one pass over the input distances), plus kNN accuracy and Euclidean
    /// silhouette of <paramref name="labels"/> in the embedding when labels are given.
    /// </summary>
    public static EmbeddingQuality Evaluate(PointSet input, IReadOnlyList<float[]> embedding, int k,
        UmapMetric inputMetric = UmapMetric.Euclidean, IReadOnlyList<int>? labels = null, int accuracyK = 15,
        int? maxDegreeOfParallelism = null)
    {
        var (trust, preservation) = Compare(input, embedding, k, inputMetric, maxDegreeOfParallelism);
        if (labels is null)
            return new EmbeddingQuality(trust, preservation, null, null);
        var embedded = PointSet.FromDense(embedding);
        return new EmbeddingQuality(trust, preservation,
            KnnAccuracy(embedded, labels, accuracyK, UmapMetric.Euclidean, maxDegreeOfParallelism),
            Silhouette(embedded, labels, UmapMetric.Euclidean, maxDegreeOfParallelism));
    }

    private static (double Trustworthiness, double Preservation) Compare(PointSet input, IReadOnlyList<float[]> embedding,
        int k, UmapMetric inputMetric, int? maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(embedding);
        int n = input.Count;
        if (embedding.Count != n)
            throw new ArgumentException($"the embedding has {embedding.Count} points, the input {n}", nameof(embedding));
        if (k < 1 || k >= n / 2.0)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be at least 1 and below n/2 = {n / 2.0}");
        var embedded = PointSet.FromDense(embedding);

        var penalties = new double[n];
        var kept = new int[n];
        input.ForEachDistanceRow(inputMetric, NearestNeighborSearch.Parallelism(maxDegreeOfParallelism), () => new float[n],
            (i, inputRow, embeddedRow) =>
            {
                embedded.DistanceRow(i, embeddedRow, UmapMetric.Euclidean, null);
                var inputNeighbors = Nearest(inputRow, i, k);
                var embeddedNeighbors = Nearest(embeddedRow, i, k);
                double penalty = 0;
                int overlap = 0;
                foreach (int j in embeddedNeighbors)
                {
                    if (Array.IndexOf(inputNeighbors, j) >= 0)
                    {
                        overlap++;
                        continue;
                    }
                    penalty += Rank(inputRow, i, j) - k;
                }
                penalties[i] = penalty;
                kept[i] = overlap;
            });
        double trust = 1.0 - penalties.Sum() * (2.0 / (n * (double)k * (2.0 * n - 3.0 * k - 1.0)));
        double preservation = kept.Average() / k;
        return (trust, preservation);
    }

    /// <summary>
    /// Mean silhouette (b − a)/max(a, b): a = mean distance to the own class, b = least mean distance to another class;
    /// points alone in their class score 0 (as sklearn). Needs 2 ≤ classes ≤ n − 1.
    /// </summary>
    public static double Silhouette(PointSet points, IReadOnlyList<int> labels, UmapMetric metric = UmapMetric.Euclidean,
        int? maxDegreeOfParallelism = null)
    {
        var (classes, classCount) = Classes(points, labels);
        if (classCount < 2 || classCount > points.Count - 1)
            throw new ArgumentException($"the silhouette needs between 2 and n − 1 = {points.Count - 1} classes, got {classCount}", nameof(labels));
        int n = points.Count;
        var sizes = new int[classCount];
        foreach (int c in classes)
            sizes[c]++;
        var scores = new double[n];
        points.ForEachDistanceRow(metric, NearestNeighborSearch.Parallelism(maxDegreeOfParallelism), () => new double[classCount],
            (i, row, sums) =>
            {
                Array.Clear(sums);
                for (int j = 0; j < n; j++)
                {
                    if (j != i)
                        sums[classes[j]] += row[j];
                }
                int own = classes[i];
                if (sizes[own] == 1)
                {
                    scores[i] = 0;
                    return;
                }
                double a = sums[own] / (sizes[own] - 1);
                double b = double.PositiveInfinity;
                for (int c = 0; c < classCount; c++)
                {
                    if (c != own)
                        b = Math.Min(b, sums[c] / sizes[c]);
                }
                double denominator = Math.Max(a, b);
                scores[i] = denominator > 0 ? (b - a) / denominator : 0;
            });
        return scores.Average();
    }

    /// <summary>
    /// Leave-one-out kNN classification accuracy: each point gets the majority label of its k nearest other points
    /// (k odd; a tie between several labels goes to the one with the nearest member).
    /// </summary>
    public static double KnnAccuracy(PointSet points, IReadOnlyList<int> labels, int k, UmapMetric metric = UmapMetric.Euclidean,
        int? maxDegreeOfParallelism = null)
    {
        var (classes, classCount) = Classes(points, labels);
        int n = points.Count;
        if (k < 1 || k % 2 == 0 || k >= n)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be odd and between 1 and n − 1 = {n - 1}");
        var correct = new bool[n];
        points.ForEachDistanceRow(metric, NearestNeighborSearch.Parallelism(maxDegreeOfParallelism), () => new int[classCount],
            (i, row, votes) =>
            {
                var neighbors = Nearest(row, i, k);
                Array.Clear(votes);
                foreach (int j in neighbors)
                    votes[classes[j]]++;
                int best = votes.Max();
                int predicted = neighbors.Select(j => classes[j]).First(c => votes[c] == best);
                correct[i] = predicted == classes[i];
            });
        return correct.Count(c => c) / (double)n;
    }

    private static (int[] Classes, int Count) Classes(PointSet points, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != points.Count)
            throw new ArgumentException($"there are {labels.Count} labels for {points.Count} points", nameof(labels));
        var map = new Dictionary<int, int>();
        var classes = new int[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            if (!map.TryGetValue(labels[i], out int c))
                map[labels[i]] = c = map.Count;
            classes[i] = c;
        }
        return (classes, map.Count);
    }

    /// <summary>The k points nearest to i (itself excluded), nearest first, ties by index.</summary>
    private static int[] Nearest(ReadOnlySpan<float> row, int self, int k)
    {
        var indices = new int[k];
        var distances = new float[k];
        int filled = 0;
        for (int j = 0; j < row.Length; j++)
        {
            if (j == self)
                continue;
            float d = row[j];
            if (filled == k && d >= distances[k - 1])
                continue;
            int position = filled < k ? filled++ : k - 1;
            while (position > 0 && distances[position - 1] > d)
            {
                distances[position] = distances[position - 1];
                indices[position] = indices[position - 1];
                position--;
            }
            distances[position] = d;
            indices[position] = j;
        }
        return indices;
    }

    /// <summary>1-based rank of j among i's other points by distance (ties by index).</summary>
    private static int Rank(ReadOnlySpan<float> row, int self, int j)
    {
        float dj = row[j];
        int rank = 1;
        for (int l = 0; l < row.Length; l++)
        {
            if (l == self || l == j)
                continue;
            if (row[l] < dj || (row[l] == dj && l < j))
                rank++;
        }
        return rank;
    }
}
