using SaeExplorer.Core.Features;
using SaeExplorer.Core.Json;

namespace SaeExplorer.Core.Analysis;

/// <summary>One token of a prompt: its decoded string and its span [Start, End) in the prompt text (UTF-16 indices).</summary>
public sealed record TokenSpan(string Text, int Start, int End);

/// <summary>
/// A prompt with its tokens and per-token SAE features (row t of <see cref="Features"/> is token t).
/// <see cref="Text"/> is the text the offsets point into (the rendered prompt); when null, contexts are built by
/// concatenating token strings instead.
/// </summary>
public sealed record TokenizedPrompt(string Id, string Condition, string? Text, IReadOnlyList<TokenSpan> Tokens, SparseFeatureMatrix Features);

/// <summary>
/// One activating token with its surroundings: <see cref="Left"/> covers up to N tokens before it, <see cref="Right"/>
/// up to N after; <see cref="Marked"/> is Left + "[[" + TokenText + "]]" + Right.
/// </summary>
public sealed record TokenContext(string PromptId, string Condition, int Token, float Value, string Left, string TokenText, string Right, string Marked);

/// <summary>How often a latent fires in one condition.</summary>
/// <param name="ActivePrompts">Prompts with the latent active on at least one token.</param>
/// <param name="ActiveTokens">Tokens (over all the condition's prompts) where it is active.</param>
/// <param name="MaxActivation">Largest value on any token (0 if never active).</param>
public sealed record ConditionTokenCounts(string Condition, int Prompts, int Tokens, int ActivePrompts, int ActiveTokens, float MaxActivation);

/// <summary>A latent's strongest token contexts and per-condition counts.</summary>
public sealed record FeatureContexts(int Feature, int Window, IReadOnlyList<TokenContext> Top, IReadOnlyList<ConditionTokenCounts> Conditions);

/// <summary>Where in the prompts a latent fires: top-K (prompt, token) pairs with context, per-condition counts.</summary>
public static class TokenContexts
{
    /// <summary>The marker around the activating token in <see cref="TokenContext.Marked"/>.</summary>
    public const string OpenMark = "[[";

    public const string CloseMark = "]]";

    /// <summary>
    /// The <paramref name="topK"/> strongest activations of <paramref name="feature"/> over all tokens of all prompts
    /// (ties: earlier prompt, then earlier token), each with <paramref name="window"/> tokens either side, and
    /// per-condition counts (conditions in order of first appearance).
    /// </summary>
    public static FeatureContexts ForFeature(IReadOnlyList<TokenizedPrompt> prompts, int feature, int topK = 20, int window = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        Check(prompts, feature);
        var hits = new List<(int Prompt, int Token, float Value)>();
        var counts = new Dictionary<string, (int Prompts, int Tokens, int ActivePrompts, int ActiveTokens, float Max)>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int p = 0; p < prompts.Count; p++)
        {
            var m = prompts[p].Features;
            if (!counts.TryGetValue(prompts[p].Condition, out var c))
                order.Add(prompts[p].Condition);
            int activeTokens = 0;
            float max = c.Max;
            for (int t = 0; t < m.TokenCount; t++)
            {
                int k = m.RowIndices(t).BinarySearch(feature);
                if (k < 0)
                    continue;
                float v = m.RowValues(t)[k];
                hits.Add((p, t, v));
                activeTokens++;
                max = Math.Max(max, v);
            }
            counts[prompts[p].Condition] = (c.Prompts + 1, c.Tokens + m.TokenCount, c.ActivePrompts + (activeTokens > 0 ? 1 : 0), c.ActiveTokens + activeTokens, max);
        }
        var top = hits
            .OrderByDescending(h => h.Value)
            .ThenBy(h => h.Prompt)
            .ThenBy(h => h.Token)
            .Take(topK)
            .Select(h => Context(prompts[h.Prompt], h.Token, h.Value, window))
            .ToArray();
        var conditions = order.Select(name =>
        {
            var c = counts[name];
            return new ConditionTokenCounts(name, c.Prompts, c.Tokens, c.ActivePrompts, c.ActiveTokens, c.Max);
        }).ToArray();
        return new FeatureContexts(feature, window, top, conditions);
    }

    public static IReadOnlyList<FeatureContexts> ForFeatures(IReadOnlyList<TokenizedPrompt> prompts, IEnumerable<int> features, int topK = 20, int window = 8) =>
        features.Select(f => ForFeature(prompts, f, topK, window)).ToArray();

    private static TokenContext Context(TokenizedPrompt prompt, int token, float value, int window)
    {
        int first = Math.Max(0, token - window);
        int last = Math.Min(prompt.Tokens.Count - 1, token + window);
        string left, middle, right;
        if (prompt.Text is { } text)
        {
            var at = prompt.Tokens[token];
            int leftStart = Math.Min(prompt.Tokens[first].Start, at.Start);
            int rightEnd = Math.Max(prompt.Tokens[last].End, at.End);
            left = text[leftStart..at.Start];
            middle = text[at.Start..at.End];
            right = text[at.End..rightEnd];
        }
        else
        {
            left = string.Concat(prompt.Tokens.Skip(first).Take(token - first).Select(t => t.Text));
            middle = prompt.Tokens[token].Text;
            right = string.Concat(prompt.Tokens.Skip(token + 1).Take(last - token).Select(t => t.Text));
        }
        return new TokenContext(prompt.Id, prompt.Condition, token, value, left, middle, right, left + OpenMark + middle + CloseMark + right);
    }

    /// <summary>
    /// Converts Unicode code-point offsets (what <c>saex tokenize</c> and Hugging Face report) into the UTF-16 indices
    /// <see cref="TokenSpan"/> uses; they differ after any character outside the Basic Multilingual Plane (emoji).
    /// </summary>
    public static IReadOnlyList<(int Start, int End)> CodePointToUtf16(string text, IReadOnlyList<(int Start, int End)> offsets)
    {
        var map = new List<int> { 0 };
        for (int i = 0; i < text.Length;)
        {
            i += char.IsSurrogatePair(text, i) ? 2 : 1;
            map.Add(i);
        }
        return offsets.Select(o =>
        {
            if (o.Start < 0 || o.End < o.Start || o.End >= map.Count)
                throw new ArgumentOutOfRangeException(nameof(offsets), o, $"offset outside the text's {map.Count - 1} code points.");
            return (map[o.Start], map[o.End]);
        }).ToArray();
    }

    private static void Check(IReadOnlyList<TokenizedPrompt> prompts, int feature)
    {
        if (prompts.Count == 0)
            throw new ArgumentException("no prompts.", nameof(prompts));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in prompts)
        {
            if (!ids.Add(p.Id))
                throw new ArgumentException($"prompt id '{p.Id}' appears twice.", nameof(prompts));
            if (p.Tokens.Count != p.Features.TokenCount)
                throw new ArgumentException($"prompt '{p.Id}' has {p.Tokens.Count} tokens but features for {p.Features.TokenCount}.", nameof(prompts));
            if ((uint)feature >= (uint)p.Features.FeatureCount)
                throw new ArgumentOutOfRangeException(nameof(feature), feature, $"latent {feature} is outside 0..{p.Features.FeatureCount - 1}.");
            if (p.Text is { } text)
            {
                foreach (var t in p.Tokens)
                {
                    if (t.Start < 0 || t.End < t.Start || t.End > text.Length)
                        throw new ArgumentException($"prompt '{p.Id}': token '{t.Text}' has span [{t.Start}, {t.End}) outside the text's {text.Length} characters.", nameof(prompts));
                }
            }
        }
    }

    /// <summary>
    /// <c>feature_context.json</c>: <c>{"features": [{"feature", "window", "top": [{"prompt_id", "condition", "token",
    /// "value", "left", "token_text", "right", "marked"}, …], "conditions": {name: {"prompts", "tokens",
    /// "active_prompts", "active_tokens", "max_activation"}}}, …]}</c>. Non-ASCII text is written as is (UTF-8), not
    /// \u-escaped, so the contexts stay readable.
    /// </summary>
    public static string ToJson(IReadOnlyList<FeatureContexts> features) =>
        CoreJsonContext.FileText(TokenContextsJson.From(features), CoreJsonContext.Readable.TokenContextsJson);
}
