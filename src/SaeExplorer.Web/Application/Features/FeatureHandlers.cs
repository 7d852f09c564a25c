using SaeExplorer.Core.Errors;
using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Features;

public sealed class FeatureDetailHandler(RunCatalog runs, RunViewCache views, LiveModelService models, FeatureStore store)
    : IRequestHandler<FeatureDetailQuery, FeatureDetail>
{
    private sealed record Key(string RunId, Core.Features.PoolingMethod Pooling, int Feature, int Top, int Window);

    private sealed record Profile(FeatureDistribution Distribution, FeatureContexts Contexts, FeatureDensity Density, IReadOnlyList<HeatWindow> Windows,
        IReadOnlyList<CoActiveFeature> CoActive, TopicValues Topics);

    public async ValueTask<FeatureDetail> Handle(FeatureDetailQuery request, CancellationToken cancellationToken)
    {
        var model = models.Current ?? throw new RefusedException("no model is loaded yet; wait for it (see the banner) or choose one in Settings.");
        int d = model.DSae;
        if (request.Feature < 0 || request.Feature >= d)
            return new FeatureDetail(request.Feature, d, $"Feature {request.Feature} does not exist: the loaded SAE has {d} features, numbered 0 to {d - 1}.", null, null);
        var label = store.GetLabel(model.SaeFingerprint, request.Feature);
        if (request.RunId is null)
            return new FeatureDetail(request.Feature, d, null, label, null);
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        var p = await Task.Run(() => views.Result(new Key(run.RunId, request.Pooling, request.Feature, request.TopContexts, request.Window), () =>
        {
            var pooled = views.Pooled(run, request.Pooling);
            var tokenized = views.Tokenized(run);
            var contexts = TokenContexts.ForFeature(tokenized, request.Feature, request.TopContexts, request.Window);
            return new Profile(FeatureDistributions.Compute(pooled, [request.Feature])[0], contexts, FeatureProfiles.Density(tokenized, request.Feature),
                FeatureProfiles.Windows(tokenized, contexts.Top, request.Feature, request.Window), FeatureProfiles.CoActive(pooled, request.Feature),
                FeatureProfiles.ByTopic(pooled, request.Feature));
        }), cancellationToken);
        // Labels are read each time, outside the cached profile: one edited on another page shows at once.
        var labels = store.Labels(model.SaeFingerprint);
        var coActive = p.CoActive
            .Select(c => new RelatedFeature(c.Feature, c.Jaccard, $"active together in {c.Both:N0} of the {c.Either:N0} prompts where either is",
                FeatureLabels.LabelOf(labels, c.Feature)))
            .ToArray();
        var inRun = new FeatureInRun(run.RunId, request.Pooling, p.Distribution, p.Contexts, p.Density, p.Windows, coActive, p.Topics);
        return new FeatureDetail(request.Feature, d, null, label, inRun);
    }
}

/// <summary>A label to show beside a latent's number: none when the user left it empty (notes only).</summary>
internal static class FeatureLabels
{
    public static string? LabelOf(IReadOnlyDictionary<int, FeatureLabel> labels, int feature) =>
        labels.TryGetValue(feature, out var l) && l.Label.Length > 0 ? l.Label : null;
}

public sealed class DecoderNeighboursHandler(LiveModelService models, FeatureStore store) : IRequestHandler<DecoderNeighboursQuery, IReadOnlyList<RelatedFeature>>
{
    public async ValueTask<IReadOnlyList<RelatedFeature>> Handle(DecoderNeighboursQuery request, CancellationToken cancellationToken)
    {
        var model = models.Current ?? throw new RefusedException("no model is loaded yet; wait for it (see the banner) or choose one in Settings.");
        var neighbours = await models.DecoderNeighboursAsync(request.Feature, request.Top, cancellationToken);
        var labels = store.Labels(model.SaeFingerprint);
        return neighbours
            .Select(n => new RelatedFeature(n.Feature, n.Cosine, $"decoder cosine {n.Cosine.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}", FeatureLabels.LabelOf(labels, n.Feature)))
            .ToArray();
    }
}

public sealed class PromotedTokensHandler(LiveModelService models) : IRequestHandler<PromotedTokensQuery, PromotedTokenLists>
{
    public async ValueTask<PromotedTokenLists> Handle(PromotedTokensQuery request, CancellationToken cancellationToken)
    {
        var result = (await models.PromotedTokensAsync([request.Feature], request.Top, cancellationToken))[0];
        var promotedTexts = models.TokenTexts(result.Promoted.Select(t => t.TokenId));
        var suppressedTexts = models.TokenTexts(result.Suppressed.Select(t => t.TokenId));
        return new PromotedTokenLists(result.Feature,
            result.Promoted.Select((t, i) => new TokenScore(t.TokenId, promotedTexts[i], t.Logit)).ToList(),
            result.Suppressed.Select((t, i) => new TokenScore(t.TokenId, suppressedTexts[i], t.Logit)).ToList(),
            result.Bins, result.Counts);
    }
}

public sealed class LabelHandlers(LiveModelService models, FeatureStore store) :
    IRequestHandler<SaveLabelCommand, FeatureLabel?>,
    IRequestHandler<ImportLabelsCommand, int>
{
    public ValueTask<FeatureLabel?> Handle(SaveLabelCommand request, CancellationToken cancellationToken)
    {
        var model = Model();
        if (request.Feature < 0 || request.Feature >= model.DSae)
            throw new ArgumentException($"feature {request.Feature} is out of range 0..{model.DSae - 1}.");
        // The store keeps milliseconds; truncating here makes what is returned equal what a later read gives.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        store.SetLabel(new FeatureLabel(model.SaeFingerprint, request.Feature, request.Label.Trim(), request.Notes.Trim(), now));
        return ValueTask.FromResult(store.GetLabel(model.SaeFingerprint, request.Feature));
    }

    public ValueTask<int> Handle(ImportLabelsCommand request, CancellationToken cancellationToken)
    {
        var model = Model();
        var labels = LabelImport.Parse(request.Json, model.DSae);
        return ValueTask.FromResult(store.ImportLabels(model.SaeFingerprint, labels));
    }

    private ModelInfo Model() =>
        models.Current ?? throw new RefusedException("no model is loaded yet; labels belong to an SAE, so wait for it to load.");
}
