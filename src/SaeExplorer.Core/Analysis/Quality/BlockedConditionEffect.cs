using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>One quality score of one answer: the topic it answers and the condition that produced it.</summary>
public sealed record BlockedScore(string Topic, string Condition, double Score);

/// <summary>A condition against the reference condition, paired by topic.</summary>
/// <param name="Topics">Topics with a score for both conditions: the pairs behind the other fields.</param>
/// <param name="MeanDifference">
/// Mean over those topics of (condition's score − reference's score), with a percentile-bootstrap interval over topics;
/// all NaN when no topic has both.
/// </param>
/// <param name="WilcoxonP">Two-sided Wilcoxon signed-rank p of the same differences (zeros dropped); 1 with no non-zero difference.</param>
public sealed record ConditionDifference(string Condition, string Reference, int Topics, ConfidenceInterval MeanDifference, double WilcoxonP);

/// <summary>Friedman's rank test that all conditions score alike, topics as blocks.</summary>
/// <param name="Blocks">Topics with a score for every condition (only these take part).</param>
/// <param name="Statistic">The tie-corrected χ² statistic; NaN when every block is all ties (nothing was ranked).</param>
/// <param name="DegreesOfFreedom">Conditions − 1.</param>
/// <param name="P">Upper tail of χ²(df) at the statistic; NaN with the statistic.</param>
/// <param name="MeanRanks">Each condition's mean within-block rank (1 = lowest score), in the order of the conditions given.</param>
public sealed record FriedmanResult(int Blocks, int Conditions, double Statistic, int DegreesOfFreedom, double P, IReadOnlyList<double> MeanRanks);

/// <summary>The effect of condition on a per-answer quality score, blocked by topic.</summary>
/// <param name="Conditions">All conditions, ordinal order, reference included.</param>
/// <param name="Differences">One per condition other than the reference, in the order of <see cref="Conditions"/>.</param>
/// <param name="Friedman">Across all conditions; null with fewer than two conditions or no topic scored for all of them.</param>
public sealed record BlockedEffectResult(string Reference, IReadOnlyList<string> Conditions, IReadOnlyList<ConditionDifference> Differences, FriedmanResult? Friedman);

/// <summary>
/// Whether condition changes answer quality, with topic as the block: topics differ far more in how well they can be
/// answered than conditions do, and comparing within a topic takes that variation out. Several scores of one topic and
/// condition (several answers, several judges) are averaged into one cell first, so every topic weighs the same.
/// </summary>
public static class BlockedConditionEffect
{
    /// <summary>
    /// Each condition against <paramref name="reference"/> (mean paired difference with a bootstrap interval over
    /// topics, and Wilcoxon's p), and Friedman's test across all conditions on the topics scored for every one.
    /// Condition i (in ordinal order) bootstraps with seed <see cref="Bootstrap.DeriveSeed"/>(seed, i).
    /// </summary>
    public static BlockedEffectResult Compute(IReadOnlyList<BlockedScore> scores, string reference, int resamples = Correlation.DefaultResamples,
        ulong seed = 0, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(reference);
        PercentileInterval.CheckArguments(resamples, level);
        foreach (var s in scores)
        {
            if (!double.IsFinite(s.Score))
                throw new ArgumentException($"the score of topic '{s.Topic}', condition '{s.Condition}' is not finite.", nameof(scores));
        }
        var cells = scores
            .GroupBy(s => (s.Topic, s.Condition))
            .ToDictionary(g => g.Key, g => g.Average(s => s.Score));
        var conditions = scores.Select(s => s.Condition).Distinct().Order(StringComparer.Ordinal).ToArray();
        var topics = scores.Select(s => s.Topic).Distinct().Order(StringComparer.Ordinal).ToArray();
        if (!conditions.Contains(reference))
            throw new ArgumentException($"the reference condition '{reference}' has no scores.", nameof(reference));

        var differences = new List<ConditionDifference>();
        for (int c = 0; c < conditions.Length; c++)
        {
            if (conditions[c] == reference)
                continue;
            var d = new List<double>();
            foreach (var topic in topics)
            {
                if (cells.TryGetValue((topic, conditions[c]), out var score) && cells.TryGetValue((topic, reference), out var baseline))
                    d.Add(score - baseline);
            }
            ulong stream = Bootstrap.DeriveSeed(seed, (ulong)c);
            var ci = d.Count == 0
                ? PercentileInterval.Undefined(level, stream)
                : Bootstrap.MeanInterval(d.ToArray(), resamples, stream, level);
            double p = d.Count == 0 ? double.NaN : WilcoxonSignedRank.Test(d.ToArray()).P;
            differences.Add(new ConditionDifference(conditions[c], reference, d.Count, ci, p));
        }

        var blocks = topics
            .Where(t => conditions.All(c => cells.ContainsKey((t, c))))
            .Select(t => conditions.Select(c => cells[(t, c)]).ToArray())
            .ToArray();
        var friedman = conditions.Length >= 2 && blocks.Length > 0 ? Friedman(blocks) : null;
        return new BlockedEffectResult(reference, conditions, differences, friedman);
    }

    /// <summary>
    /// Friedman's test on complete blocks: <paramref name="blocks"/>[i][j] is condition j's score in block i. Scores
    /// are mid-ranked within each block; with n blocks, k conditions and rank sums Rⱼ,
    /// χ²_F = (12/(n·k·(k + 1))·ΣRⱼ² − 3n(k + 1)) / (1 − Σ(t³ − t)/(n·k·(k² − 1))), the denominator correcting for
    /// ties (t = size of a tie group within a block), and p = P(χ²(k − 1) ≥ χ²_F) — R's <c>friedman.test</c> and
    /// SciPy's <c>friedmanchisquare</c>.
    /// </summary>
    public static FriedmanResult Friedman(IReadOnlyList<double[]> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0)
            throw new ArgumentException("Friedman's test needs at least one block.", nameof(blocks));
        int k = blocks[0].Length;
        if (k < 2)
            throw new ArgumentException($"Friedman's test needs at least two conditions; got {k}.", nameof(blocks));
        int n = blocks.Count;
        var rankSums = new double[k];
        double tieSum = 0;
        var sorted = new double[k];
        foreach (var block in blocks)
        {
            if (block.Length != k)
                throw new ArgumentException($"every block needs {k} scores; one has {block.Length}.", nameof(blocks));
            if (block.Any(v => !double.IsFinite(v)))
                throw new ArgumentException("scores must be finite.", nameof(blocks));
            var ranks = Correlation.Ranks(block);
            for (int j = 0; j < k; j++)
                rankSums[j] += ranks[j];
            block.CopyTo(sorted, 0);
            Array.Sort(sorted);
            for (int i = 0; i < k;)
            {
                int e = i + 1;
                while (e < k && sorted[e] == sorted[i])
                    e++;
                double t = e - i;
                tieSum += t * t * t - t;
                i = e;
            }
        }
        double sumSquares = rankSums.Sum(r => r * r);
        double uncorrected = 12.0 / (n * k * (k + 1.0)) * sumSquares - 3.0 * n * (k + 1);
        double correction = 1 - tieSum / (n * k * (k * k - 1.0));
        double statistic = correction > 0 ? Math.Max(0, uncorrected / correction) : double.NaN;
        double p = double.IsNaN(statistic) ? double.NaN : ChiSquareDistribution.UpperTail(statistic, k - 1);
        return new FriedmanResult(n, k, statistic, k - 1, p, rankSums.Select(r => r / n).ToArray());
    }
}
