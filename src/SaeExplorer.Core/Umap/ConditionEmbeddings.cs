using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Umap;

/// <summary>One UMAP map of the prompts and how well it, and the space it came from, separate the conditions.</summary>
public sealed record ConditionEmbedding(
    string Name,
    UmapMetric Metric,
    float[][] Embedding,
    int K,
    double SilhouetteOriginal,
    double KnnAccuracyOriginal,
    EmbeddingQuality Quality);

/// <summary>The research question "where do the prompts sit": raw activations (Euclidean) beside SAE features (cosine).</summary>
public sealed record ConditionEmbeddings(IReadOnlyList<string> Conditions, ConditionEmbedding Activations, ConditionEmbedding Features);

public static class ConditionEmbeddingsBuilder
{
    /// <summary>
    /// Fits both maps with the same seed and neighbourhood size (15, or fewer for small sets; an odd k for the kNN vote)
    /// and measures silhouette and kNN accuracy by condition in the original space and in the map, plus trustworthiness.
    /// </summary>
    public static ConditionEmbeddings Compute(IReadOnlyList<float[]> activations, IReadOnlyList<SparseVector> features, IReadOnlyList<string> conditions, int seed = 42)
    {
        if (activations.Count != conditions.Count || features.Count != conditions.Count)
            throw new ArgumentException($"{activations.Count} activation rows and {features.Count} feature rows for {conditions.Count} conditions.");
        if (conditions.Count < 3)
            throw new ArgumentException($"a UMAP map needs at least 3 prompts; the run has {conditions.Count}.");
        var names = conditions.Distinct().ToList();
        var labels = conditions.Select(c => names.IndexOf(c)).ToArray();
        int k = Math.Min(15, conditions.Count - 1);
        int accuracyK = k % 2 == 1 ? k : k - 1;
        ConditionEmbedding Fit(string name, PointSet points, UmapMetric metric)
        {
            var fit = new UmapReducer(new UmapOptions { Metric = metric, Seed = seed, NeighborCount = k }).Fit(points);
            var quality = EmbeddingMetrics.Evaluate(points, fit.Embedding, k, metric, labels, accuracyK);
            return new ConditionEmbedding(name, metric, fit.Embedding, k,
                EmbeddingMetrics.Silhouette(points, labels, metric), EmbeddingMetrics.KnnAccuracy(points, labels, accuracyK, metric), quality);
        }
        return new ConditionEmbeddings(conditions,
            Fit("activations", PointSet.FromDense(activations), UmapMetric.Euclidean),
            Fit("features", PointSet.FromSparse(features), UmapMetric.Cosine));
    }
}
