using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Analysis;

/// <summary>
/// One condition's answers: how long they are, how many ended on a stop token, and how many SAE features they light up
/// (each answer's features max-pooled over its tokens) — the answer side of "more features, or only longer answers?".
/// </summary>
public sealed record AnswerCounts(string Condition, int Answers, double MeanAnswerTokens, double StoppedFraction, double MeanActiveCount, double MeanMaxActivation);

/// <summary>One answer for <see cref="AnswerFeatureCounts.Summarise"/>: its prompt's condition and its per-token features.</summary>
public sealed record AnswerFeatures(string Condition, bool Stopped, SparseFeatureMatrix Features);

public static class AnswerFeatureCounts
{
    /// <summary>Per condition, in the order conditions first appear.</summary>
    public static IReadOnlyList<AnswerCounts> Summarise(IEnumerable<AnswerFeatures> answers) =>
        [.. answers.GroupBy(a => a.Condition, StringComparer.Ordinal).Select(g =>
        {
            var pooled = g.Select(a => FeaturePooling.Pool(a.Features, PoolingMethod.Max, [])).ToList();
            return new AnswerCounts(g.Key, g.Count(),
                g.Average(a => (double)a.Features.TokenCount),
                g.Average(a => a.Stopped ? 1.0 : 0.0),
                pooled.Average(p => (double)p.ActiveCount),
                pooled.Average(p => p.ActiveCount == 0 ? 0.0 : p.Values.Max()));
        })];
}
