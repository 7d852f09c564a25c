using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Features;

/// <summary>
/// One latent of the loaded SAE: its label and, when a run is given, its distribution per condition and its strongest
/// token contexts in that run. An index outside the SAE is answered with <see cref="FeatureDetail.Problem"/>, not an exception.
/// </summary>
public sealed record FeatureDetailQuery(int Feature, string? RunId, PoolingMethod Pooling, int TopContexts = 20, int Window = 8) : IRequest<FeatureDetail>;

/// <param name="FeatureCount">d_sae of the loaded SAE.</param>
/// <param name="Problem">Why there is nothing to show (index out of range), or null.</param>
/// <param name="Run">The latent in the chosen run, or null without a run.</param>
public sealed record FeatureDetail(int Feature, int FeatureCount, string? Problem, FeatureLabel? Label, FeatureInRun? Run);

/// <param name="Density">How often it fires over the run's tokens and prompts, with the histogram of its non-zero token values.</param>
/// <param name="Windows">The strongest contexts of <paramref name="Contexts"/> with the latent's value on every token.</param>
/// <param name="CoActive">Latents firing in the same prompts (pooled), by Jaccard index, with their labels.</param>
/// <param name="Topics">Its pooled value per topic in each condition.</param>
public sealed record FeatureInRun(string RunId, PoolingMethod Pooling, FeatureDistribution Distribution, FeatureContexts Contexts,
    FeatureDensity Density, IReadOnlyList<HeatWindow> Windows, IReadOnlyList<RelatedFeature> CoActive, TopicValues Topics);

/// <summary>
/// A latent related to the one on the page: <see cref="Score"/> is a decoder cosine or a Jaccard index, as the list
/// says; <see cref="Detail"/> puts it in words for the tooltip.
/// </summary>
public sealed record RelatedFeature(int Feature, double Score, string Detail, string? Label);

/// <summary>The latents whose decoder directions are nearest the latent's (cosine), with their labels.</summary>
public sealed record DecoderNeighboursQuery(int Feature, int Top = 10) : IRequest<IReadOnlyList<RelatedFeature>>;

/// <summary>The tokens a latent's decoder direction promotes and suppresses through the unembedding, as text.</summary>
public sealed record PromotedTokensQuery(int Feature, int Top = 12) : IRequest<PromotedTokenLists>;

public sealed record TokenScore(int TokenId, string Text, float Logit);

/// <param name="Bins">The bins of the whole vocabulary's logits (<paramref name="Counts"/> tokens each); null for an all-zero direction.</param>
public sealed record PromotedTokenLists(int Feature, IReadOnlyList<TokenScore> Promoted, IReadOnlyList<TokenScore> Suppressed, HistogramBins? Bins, int[] Counts);

/// <summary>Saves a latent's label and notes for the loaded SAE; both empty removes it. Returns what is stored (null when removed).</summary>
public sealed record SaveLabelCommand(int Feature, string Label, string Notes) : IRequest<FeatureLabel?>;

/// <summary>Imports a JSON file of <c>[{"index": 12, "label": "..."}]</c> for the loaded SAE; returns how many labels were written.</summary>
public sealed record ImportLabelsCommand(string Json) : IRequest<int>;
