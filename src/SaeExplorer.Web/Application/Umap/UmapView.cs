using SaeExplorer.Core.Features;
using SaeExplorer.Core.Umap;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Umap;

/// <summary>One prompt of a map: what hovering shows, what colours it, and what clicking opens on the Live page.</summary>
public sealed record UmapPoint(string PromptId, string Condition, string Topic, string UserText);

/// <summary>A run's two maps, its prompts in the maps' row order, and the conditions in the order legends list them.</summary>
public sealed record UmapView(string RunId, string ExperimentName, PoolingMethod Pooling, int Layer, IReadOnlyList<string> Conditions,
    IReadOnlyList<UmapPoint> Points, ConditionEmbeddings Maps)
{
    /// <summary>The prompts' topics in order of first appearance (the prompt set's order).</summary>
    public IReadOnlyList<string> Topics { get; } = Points.Select(p => p.Topic).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The headers of <see cref="MetricsTable"/>: the keys of the CLI's umap_metrics.json, with the map's name first.</summary>
    public static readonly IReadOnlyList<string> MetricsHeaders =
        ["map", "metric", "silhouette_original", "knn_accuracy_original", "silhouette_embedding", "knn_accuracy_embedding", "trustworthiness", "knn_preservation", "k", "trustworthiness_k"];

    public IReadOnlyList<ConditionEmbedding> Embeddings => [Maps.Activations, Maps.Features];

    public static UmapView Compute(RunData data, PoolingMethod pooling)
    {
        var pooled = data.Pooled(pooling);
        var conditions = pooled.Select(p => p.Condition).ToList();
        var maps = ConditionEmbeddingsBuilder.Compute(data.PooledActivations(pooling), pooled.Select(p => p.Features).ToList(), conditions);
        var points = data.Result.Prompts
            .Select(p => new UmapPoint(p.Prompt.Id, p.Prompt.Condition, p.Prompt.Topic, p.Prompt.UserText))
            .ToList();
        return new UmapView(data.RunId, data.PromptSet.Name, pooling, data.Model.Spec.Layer, ConditionPalette.Order(data.ConditionOrder), points, maps);
    }

    public static string Title(ConditionEmbedding map) => map.Name == "activations" ? "UMAP of raw activations" : "UMAP of SAE features";

    /// <summary>The map as a publication figure (the CLI's `saex umap` figure).</summary>
    public ConditionScatterFigure Figure(ConditionEmbedding map) =>
        new($"{Title(map)} (layer {Layer})", map.Embedding.Select((e, i) => new ScatterPoint(e[0], e[1], Points[i].Condition)).ToList());

    /// <summary>Silhouette and kNN accuracy by condition, before and after the map, and how faithful each map is.</summary>
    public Table MetricsTable() => new(MetricsHeaders, Embeddings.Select(m => (IReadOnlyList<object?>)
    [
        m.Name, m.Metric.ToString().ToLowerInvariant(), m.SilhouetteOriginal, m.KnnAccuracyOriginal, m.Quality.Silhouette, m.Quality.KnnAccuracy,
        m.Quality.Trustworthiness, m.Quality.KnnPreservation, m.K, m.TrustworthinessK,
    ]));
}
