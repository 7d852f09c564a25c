using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Application.Umap;

/// <summary>Each prompt's pooled value of one latent in a run, to colour the maps by. An index outside the run's SAE is refused.</summary>
public sealed record UmapFeatureValuesQuery(string RunId, PoolingMethod Pooling, int Feature) : IRequest<UmapFeatureValues>;

/// <param name="ByPrompt">Each prompt's pooled value by prompt id; 0 where the latent is inactive.</param>
public sealed record UmapFeatureValues(string RunId, PoolingMethod Pooling, int Feature, IReadOnlyDictionary<string, double> ByPrompt)
{
    /// <summary>The largest value (0 when the latent fires nowhere): the top of the colour scale.</summary>
    public double Max => ByPrompt.Values.DefaultIfEmpty(0).Max();

    /// <summary>Prompts where the latent is active.</summary>
    public int ActiveCount => ByPrompt.Values.Count(v => v != 0);
}

/// <summary>The latents that differ most between prompts picked on a map and the rest of the run.</summary>
public sealed record CompareSelectionQuery(string RunId, PoolingMethod Pooling, IReadOnlyList<string> PromptIds) : IRequest<SelectionComparison>;

/// <param name="TestedCount">Latents active in some prompt of either side.</param>
/// <param name="Top">The report's first latents (by Fisher q, then Mann–Whitney q; see <see cref="ContrastStatistics.Compute"/>), at most <see cref="CompareSelectionHandler.Shown"/>.</param>
public sealed record SelectionComparison(ContrastSide Selection, ContrastSide Rest, int TestedCount, IReadOnlyList<FeatureContrast> Top);
