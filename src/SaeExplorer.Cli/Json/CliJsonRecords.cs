namespace SaeExplorer.Cli.Json;

/// <summary>One string's tokens in <c>saex tokenize</c>'s output: ids, and per token its <c>[start, end]</c> in code points.</summary>
internal sealed record TokenizedStringJson(int[] Ids, int[][] Offsets);

/// <summary>One latent in <c>promoted_tokens.json</c>: the tokens its decoder direction promotes and suppresses most.</summary>
internal sealed record PromotedTokensJson(int Feature, IReadOnlyList<TokenLogitJson> Promoted, IReadOnlyList<TokenLogitJson> Suppressed);

internal sealed record TokenLogitJson(int TokenId, string Token, float Logit);

/// <summary>One view's separation metrics in <c>umap_metrics.json</c> (null where a metric is undefined).</summary>
internal sealed record UmapMetricsJson(
    string Metric,
    double SilhouetteOriginal,
    double KnnAccuracyOriginal,
    double? SilhouetteEmbedding,
    double? KnnAccuracyEmbedding,
    double Trustworthiness,
    double KnnPreservation,
    int K,
    int TrustworthinessK);

/// <summary><c>umap_embedding.json</c>: prompt ids and conditions, and each view's 2-D point per prompt in the same order.</summary>
internal sealed record UmapEmbeddingJson(IReadOnlyList<string> Ids, IReadOnlyList<string> Conditions, IReadOnlyList<float[]> Activations, IReadOnlyList<float[]> Features);
