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
public sealed record FeatureDistribution(int Feature, IReadOnlyList<ConditionDistribution> Conditions)
{
    /// <summary>
    /// One set of histogram bins for the active values of every condition, so that per-condition bars can be compared
    /// bar by bar (each condition binned on its own gave bars of different widths); null when the latent is never active.
    /// </summary>
    public HistogramBins? SharedBins(int count = 20) => HistogramBins.Spanning(Conditions.SelectMany(c => c.Values).Where(v => v > 0), count);
}

/// <summary>Equal-width bins from <see cref="Start"/>: <see cref="Count"/> of width <see cref="Size"/>, the last one holding the largest value.</summary>
public sealed record HistogramBins(double Start, double Size, int Count)
{
    public double End => Start + Size * Count;

    /// <summary>
    /// <paramref name="count"/> bins from the smallest to the largest of <paramref name="values"/> (the largest falls in
    /// the last bin, not past it); a single distinct value gets one bin of width 1 around it. Null without values.
    /// </summary>
    public static HistogramBins? Spanning(IEnumerable<double> values, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
                continue;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (min > max)
            return null;
        if (min == max)
            return new HistogramBins(min - 0.5, 1, 1);
        // Widened by a hair so the largest value is inside the last bin's half-open interval.
        double size = (max - min) / count * (1 + 1e-9);
        return new HistogramBins(min, size, count);
    }

    /// <summary>The bin <paramref name="value"/> falls in (start inclusive, end exclusive), or -1 outside.</summary>
    public int IndexOf(double value) => value < Start || value >= End ? -1 : Math.Min(Count - 1, (int)((value - Start) / Size));
}

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
