using System.Diagnostics;
using Mediator;
using SaeExplorer.Core.Features;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Features;

namespace SaeExplorer.Web.Application.Live;

public sealed class AnalyzePromptHandler(LiveModelService models, FeatureStore store)
    : IRequestHandler<AnalyzePromptQuery, LiveAnalysis>
{
    public async ValueTask<LiveAnalysis> Handle(AnalyzePromptQuery request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var prompt = await models.AnalyzeAsync(request.Input, cancellationToken);
        var pooled = prompt.Pool(request.Pooling);
        // Counted over the tokens the pooling reads, so "max over your message" does not count the chat template's tokens.
        var pooledTokens = FeaturePooling.PooledTokens(request.Pooling, prompt.Features.TokenCount, prompt.UserTokenPositions);
        var tokensActive = new int[pooled.FeatureCount];
        foreach (int t in pooledTokens)
        {
            foreach (int feature in prompt.Features.RowIndices(t))
                tokensActive[feature]++;
        }
        string sae = models.Current!.SaeFingerprint;
        var explained = store.LatestExplanations(sae);
        var top = Enumerable.Range(0, pooled.ActiveCount)
            .OrderByDescending(i => pooled.Values[i]).ThenBy(i => pooled.Indices[i])
            .Take(request.Top)
            // Labels by id for the features shown only: a keystroke should not scan every label of the SAE.
            .Select(i => (Feature: pooled.Indices[i], Value: pooled.Values[i]))
            .Select(f => new ActiveFeature(f.Feature, f.Value, tokensActive[f.Feature], store.GetLabel(sae, f.Feature)?.Label,
                explained.GetValueOrDefault(f.Feature)))
            .ToList();
        return new LiveAnalysis(prompt, models.TokenPieces(prompt.TokenIds), request.Pooling, pooledTokens.Count, pooled.ActiveCount, pooled, top,
            clock.Elapsed.TotalMilliseconds);
    }
}
