using SaeExplorer.Core.Json;

namespace SaeExplorer.Core.Analysis;

/// <summary>One latent's values in one condition.</summary>
/// <param name="ActiveCount">Prompts of the condition where the latent is active (stored in the pooled vector).</param>
/// <param name="ActiveFraction">ActiveCount / PromptCount.</param>
/// <param name="MeanWhenActive">Mean over the active prompts; null when there are none (likewise median and max).</param>
/// <param name="PromptIds">The condition's prompts in input order.</param>
/// <param name="Values">Per prompt (aligned with <see cref="PromptIds"/>), the pooled value; 0 where inactive.</param>
public sealed record ConditionDistribution(
    string Condition,
    int PromptCount,
    int ActiveCount,
    double ActiveFraction,
    double? MeanWhenActive,
    double? MedianWhenActive,
    double? MaxWhenActive,
    IReadOnlyList<string> PromptIds,
    IReadOnlyList<double> Values);

/// <summary>One latent across all conditions (in order of first appearance).</summary>
public sealed record FeatureDistribution(int Feature, IReadOnlyList<ConditionDistribution> Conditions);

/// <summary>Per-condition distributions of chosen latents over pooled prompts — the input to auto-interpretation.</summary>
public static class FeatureDistributions
{
    public static IReadOnlyList<FeatureDistribution> Compute(IReadOnlyList<PooledPrompt> prompts, IEnumerable<int> features)
    {
        FeatureDiff.CheckInput(prompts);
        var conditions = prompts.GroupBy(p => p.Condition, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();
        int d = prompts[0].Features.FeatureCount;
        var result = new List<FeatureDistribution>();
        foreach (int f in features)
        {
            if ((uint)f >= (uint)d)
                throw new ArgumentOutOfRangeException(nameof(features), f, $"latent {f} is outside 0..{d - 1}.");
            var perCondition = conditions.Select(group =>
            {
                // Sparse vectors keep ascending indices, so each lookup is a binary search.
                var values = group.Select(p =>
                {
                    int k = Array.BinarySearch(p.Features.Indices, f);
                    return k >= 0 ? (double)p.Features.Values[k] : 0.0;
                }).ToArray();
                var active = group.Select((p, i) => (Active: Array.BinarySearch(p.Features.Indices, f) >= 0, Value: values[i]))
                    .Where(x => x.Active).Select(x => x.Value).OrderBy(v => v).ToArray();
                return new ConditionDistribution(
                    group[0].Condition,
                    group.Length,
                    active.Length,
                    (double)active.Length / group.Length,
                    active.Length == 0 ? null : active.Average(),
                    active.Length == 0 ? null : Median(active),
                    active.Length == 0 ? null : active[^1],
                    group.Select(p => p.Id).ToArray(),
                    values);
            }).ToArray();
            result.Add(new FeatureDistribution(f, perCondition));
        }
        return result;
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>
    /// <c>autointerp_results.json</c>:
    /// <code>
    /// {
    ///   "features": [
    ///     {
    ///       "feature": 1234,
    ///       "conditions": {
    ///         "novice": {
    ///           "prompts": 50,              // prompts of the condition
    ///           "active": 12,               // prompts where the latent is active
    ///           "fraction": 0.24,           // active / prompts
    ///           "mean_when_active": 1.9,    // null when active = 0
    ///           "median_when_active": 1.7,  // null when active = 0
    ///           "max_when_active": 4.2,     // null when active = 0
    ///           "prompt_ids": ["novice/photosynthesis", ...],
    ///           "values": [0, 1.7, ...]     // pooled value per prompt, aligned with prompt_ids; 0 = inactive
    ///         }, ...                        // conditions in order of first appearance
    ///       }
    ///     }, ...                            // features in the requested order
    ///   ]
    /// }
    /// </code>
    /// Numbers are invariant JSON; equal inputs give byte-identical files.
    /// </summary>
    public static string ToJson(IReadOnlyList<FeatureDistribution> distributions) =>
        CoreJsonContext.FileText(FeatureDistributionsJson.From(distributions), CoreJsonContext.Default.FeatureDistributionsJson);
}
