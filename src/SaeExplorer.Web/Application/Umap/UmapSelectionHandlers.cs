using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Umap;

public sealed class UmapFeatureValuesHandler(IRunDataSource runs, RunViewCache views) : IRequestHandler<UmapFeatureValuesQuery, UmapFeatureValues>
{
    public async ValueTask<UmapFeatureValues> Handle(UmapFeatureValuesQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        int d = run.Result.DSae;
        if (request.Feature < 0 || request.Feature >= d)
            throw new ArgumentException($"Feature {request.Feature} does not exist: the run's SAE has {d} features, numbered 0 to {d - 1}.");
        // The Feature page's per-condition values of the same pooled prompts, so a point's colour is the value that page counts.
        var distribution = FeatureDistributions.Compute(views.Pooled(run, request.Pooling), [request.Feature])[0];
        var byPrompt = distribution.Conditions
            .SelectMany(c => c.PromptIds.Zip(c.Values))
            .ToDictionary(x => x.First, x => x.Second, StringComparer.Ordinal);
        return new UmapFeatureValues(run.RunId, request.Pooling, request.Feature, byPrompt);
    }
}

public sealed class CompareSelectionHandler(IRunDataSource runs, RunViewCache views) : IRequestHandler<CompareSelectionQuery, SelectionComparison>
{
    /// <summary>How many latents the page lists; each links to its Feature page for the rest.</summary>
    public const int Shown = 20;

    private sealed record Key(string RunId, PoolingMethod Pooling, string PromptIds);

    public async ValueTask<SelectionComparison> Handle(CompareSelectionQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        var ids = request.PromptIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        // Off the circuit's thread: the tests visit every latent active in the run. The same selection again (the
        // button pressed twice, or the same lasso on the other map) is answered from the cache.
        var report = await Task.Run(() => views.Result(new Key(run.RunId, request.Pooling, string.Join('\n', ids)),
            () => ContrastStatistics.ComputeSelection(views.Pooled(run, request.Pooling), ids)), cancellationToken);
        return new SelectionComparison(report.A, report.B, report.TestedCount, report.Features.Take(Shown).ToList());
    }
}
