using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Live;

/// <summary>The strongest features at one token of an analysed prompt (Neuronpedia's token view).</summary>
public sealed record TokenFeaturesQuery(PromptFeatures Prompt, int Token, int Top = 10) : IRequest<TokenFeatures>;

/// <summary>A feature with the user's label and its newest LLM explanation.</summary>
public sealed record NamedFeature(int Feature, float Value, string? Label, ExplanationSummary? Explanation);

/// <param name="ActiveCount">Features active at the token.</param>
public sealed record TokenFeatures(int Token, int ActiveCount, IReadOnlyList<NamedFeature> Top);

/// <summary>Two analysed prompts' pooled features compared (both pooled the same way).</summary>
public sealed record ComparePromptsQuery(LiveAnalysis A, LiveAnalysis B, int Top = 12) : IRequest<PromptPair>;

/// <param name="Labels">The user's labels of the features in <paramref name="Summary"/>'s lists.</param>
public sealed record PromptPair(PooledPairResult Summary, IReadOnlyDictionary<int, string> Labels);

public sealed class TokenAndPairHandlers(LiveModelService models, FeatureStore store) :
    IRequestHandler<TokenFeaturesQuery, TokenFeatures>,
    IRequestHandler<ComparePromptsQuery, PromptPair>
{
    public ValueTask<TokenFeatures> Handle(TokenFeaturesQuery request, CancellationToken cancellationToken)
    {
        var m = request.Prompt.Features;
        if (request.Token < 0 || request.Token >= m.TokenCount)
            throw new ArgumentOutOfRangeException(nameof(request), request.Token, $"the prompt has tokens 0 to {m.TokenCount - 1}.");
        var indices = m.RowIndices(request.Token).ToArray();
        var values = m.RowValues(request.Token).ToArray();
        string sae = Sae();
        var explained = store.LatestExplanations(sae);
        var top = Enumerable.Range(0, indices.Length)
            .OrderByDescending(i => values[i]).ThenBy(i => indices[i])
            .Take(request.Top)
            .Select(i => new NamedFeature(indices[i], values[i], store.GetLabel(sae, indices[i]) is { Label.Length: > 0 } l ? l.Label : null,
                explained.GetValueOrDefault(indices[i])))
            .ToArray();
        return ValueTask.FromResult(new TokenFeatures(request.Token, indices.Length, top));
    }

    public ValueTask<PromptPair> Handle(ComparePromptsQuery request, CancellationToken cancellationToken)
    {
        if (request.A.Pooling != request.B.Pooling)
            throw new ArgumentException($"the prompts are pooled differently ({request.A.Pooling} and {request.B.Pooling}).", nameof(request));
        var summary = PooledPair.Compare(request.A.Pooled, request.B.Pooled, request.Top);
        string sae = Sae();
        var shown = summary.OnlyA.Select(f => f.Feature).Concat(summary.OnlyB.Select(f => f.Feature)).Concat(summary.Changed.Select(f => f.Feature));
        var labels = new Dictionary<int, string>();
        foreach (int f in shown.Distinct())
        {
            if (store.GetLabel(sae, f) is { Label.Length: > 0 } l)
                labels[f] = l.Label;
        }
        return ValueTask.FromResult(new PromptPair(summary, labels));
    }

    private string Sae() =>
        models.Current?.SaeFingerprint ?? throw new Core.Errors.RefusedException("no model is loaded yet; wait for it (see the banner) or choose one in Settings.");
}
