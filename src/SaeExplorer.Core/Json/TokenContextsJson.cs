using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Core.Json;

/// <summary><c>feature_context.json</c>: per feature, its top token contexts and its counts per condition keyed by name.</summary>
internal sealed record TokenContextsJson(IReadOnlyList<FeatureContextsJson> Features)
{
    public static TokenContextsJson From(IReadOnlyList<FeatureContexts> features) =>
        new(features.Select(f =>
        {
            var conditions = new OrderedDictionary<string, ConditionTokenCountsJson>(StringComparer.Ordinal);
            foreach (var c in f.Conditions)
                conditions.Add(c.Condition, new ConditionTokenCountsJson(c.Prompts, c.Tokens, c.ActivePrompts, c.ActiveTokens, c.MaxActivation));
            var top = f.Top.Select(c => new TokenContextJson(c.PromptId, c.Condition, c.Token, c.Value, c.Left, c.TokenText, c.Right, c.Marked)).ToArray();
            return new FeatureContextsJson(f.Feature, f.Window, top, conditions);
        }).ToArray());
}

internal sealed record FeatureContextsJson(int Feature, int Window, IReadOnlyList<TokenContextJson> Top, OrderedDictionary<string, ConditionTokenCountsJson> Conditions);

internal sealed record TokenContextJson(string PromptId, string Condition, int Token, float Value, string Left, string TokenText, string Right, string Marked);

internal sealed record ConditionTokenCountsJson(int Prompts, int Tokens, int ActivePrompts, int ActiveTokens, float MaxActivation);
