using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Umap;

/// <summary>One UMAP map of the prompts and how well it, and the space it came from, separate the conditions.</summary>
/// <param name="K">UMAP's neighbourhood size</param>
/// <param name="TrustworthinessK">the neighbourhood trustworthiness and kNN preservation compare: K, or fewer on small runs (it must stay below half the prompts)</param>
public sealed record ConditionEmbedding(
    string Name,
    UmapMetric Metric,
    float[][] Embedding,
    int K,
    int TrustworthinessK,
    double SilhouetteOriginal,
    double KnnAccuracyOriginal,
    EmbeddingQuality Quality);

/// <summary>The research question "where do the prompts sit": raw activations (Euclidean) beside SAE features (cosine).</summary>
public sealed record ConditionEmbeddings(IReadOnlyList<string> Conditions, ConditionEmbedding Activations, ConditionEmbedding Features)
{
    /// <summary>
    /// Why the neighbourhoods are smaller than usual, for a run of fewer than 31 prompts (null otherwise): shown beside
    /// the numbers, which are not comparable with a larger run's.
    /// </summary>
    public string? SmallRunNote
    {
        get
        {
            var map = Activations;
            if (map.K == ConditionEmbeddingsBuilder.DefaultNeighbors && map.TrustworthinessK == map.K)
                return null;
            return $"{Conditions.Count} prompts: the maps use k = {map.K} neighbours instead of {ConditionEmbeddingsBuilder.DefaultNeighbors}"
                + (map.TrustworthinessK < map.K ? $", and trustworthiness compares k = {map.TrustworthinessK} (it needs k below half the prompts)" : "")
                + "; numbers from runs this small are not comparable with a full run's.";
        }
    }
}

public static class ConditionEmbeddingsBuilder
{
    /// <summary>UMAP's usual neighbourhood size (umap-learn's default n_neighbors).</summary>
    public const int DefaultNeighbors = 15;

    /// <summary>
    /// Fits both maps with the same seed and neighbourhood size (15, or one fewer than the prompts for small sets; an odd
    /// k for the kNN vote) and measures silhouette and kNN accuracy by condition in the original space and in the map,
    /// plus trustworthiness (at k below half the prompts, as its definition needs).
    /// </summary>
    public static ConditionEmbeddings Compute(IReadOnlyList<float[]> activations, IReadOnlyList<SparseVector> features, IReadOnlyList<string> conditions, int seed = 42)
    {
        if (activations.Count != conditions.Count || features.Count != conditions.Count)
            throw new ArgumentException($"{activations.Count} activation rows and {features.Count} feature rows for {conditions.Count} conditions.");
        if (conditions.Count < 3)
            throw new ArgumentException($"a UMAP map needs at least 3 prompts; the run has {conditions.Count}.");
        var names = conditions.Distinct().ToList();
        var labels = conditions.Select(c => names.IndexOf(c)).ToArray();
        int k = Math.Min(DefaultNeighbors, conditions.Count - 1);
        int accuracyK = k % 2 == 1 ? k : k - 1;
        int trustK = Math.Min(k, (conditions.Count - 1) / 2);
        ConditionEmbedding Fit(string name, PointSet points, UmapMetric metric)
        {
            var fit = new UmapReducer(new UmapOptions { Metric = metric, Seed = seed, NeighborCount = k }).Fit(points);
            var quality = EmbeddingMetrics.Evaluate(points, fit.Embedding, trustK, metric, labels, accuracyK);
            return new ConditionEmbedding(name, metric, fit.Embedding, k, trustK,
                EmbeddingMetrics.Silhouette(points, labels, metric), EmbeddingMetrics.KnnAccuracy(points, labels, accuracyK, metric), quality);
        }
        return new ConditionEmbeddings(conditions,
            Fit("activations", PointSet.FromDense(activations), UmapMetric.Euclidean),
            Fit("features", PointSet.FromSparse(features), UmapMetric.Cosine));
    }
}
