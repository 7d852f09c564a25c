using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// Builds the quality-triangle report (SAE features × answer length × judged quality) from one row per answer and the
/// pairwise verdicts. Each (topic, condition) names exactly one answer — that is how verdicts find their answers' lengths
/// and styles. Answers without a pointwise score are left out of every statistic that involves the score and kept in
/// the rest (the feature–length correlations, the style covariates, the bias diagnostics). Deterministic: every
/// bootstrap draws from its own stream, <see cref="Bootstrap.DeriveSeed"/>(seed, stream) with the streams listed on
/// the constants below, so adding a statistic never changes the intervals of the others.
/// </summary>
public static class QualityTriangle
{
    /// <summary>Variable names used in the report.</summary>
    public const string PromptFeatures = "prompt_features",
        AnswerMeanActivePerToken = "answer_mean_active_per_token",
        AnswerDistinctFeatures = "answer_distinct_features",
        LengthTokens = "length_tokens",
        PointwiseScore = "pointwise_score";

    /// <summary>Bootstrap stream of the first correlation side (side i uses this + i; Pearson and Spearman share resamples).</summary>
    public const ulong SideStream = 0;

    /// <summary>Bootstrap stream of the first partial correlation (partial i uses this + i).</summary>
    public const ulong PartialStream = 100;

    /// <summary>Bootstrap stream of both Bradley–Terry fits: raw and style-controlled strengths come from the same resamples.</summary>
    public const ulong StrengthStream = 200;

    /// <summary>Bootstrap stream of the first condition's win rate (condition i in ordinal order uses this + i).</summary>
    public const ulong WinRateStream = 300;

    /// <summary>Seed of the blocked condition effect (which derives one stream per condition from it).</summary>
    public const ulong BlockedEffectStream = 400;

    /// <summary>The full report; <paramref name="reference"/> is the condition the others are measured against (e.g. "standard").</summary>
    public static QualityTriangleReport Build(IReadOnlyList<QualityAnswer> answers, IReadOnlyList<QualityComparison> comparisons, string reference,
        int resamples = Correlation.DefaultResamples, ulong seed = 0, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(comparisons);
        ArgumentNullException.ThrowIfNull(reference);
        PercentileInterval.CheckArguments(resamples, level);
        var byCell = Index(answers);
        var conditions = answers.Select(a => a.Condition).Distinct().Order(StringComparer.Ordinal).ToArray();
        int referenceIndex = Array.IndexOf(conditions, reference);
        if (referenceIndex < 0)
            throw new ArgumentException($"the reference condition '{reference}' has no answers.", nameof(reference));
        foreach (var c in comparisons)
        {
            ArgumentNullException.ThrowIfNull(c);
            foreach (var condition in new[] { c.ConditionA, c.ConditionB })
            {
                if (!byCell.ContainsKey((c.Topic, condition)))
                    throw new ArgumentException($"a verdict names the answer of condition '{condition}' on topic '{c.Topic}', which is not among the answers.",
                        nameof(comparisons));
            }
        }
        var scored = answers.Where(a => a.PointwiseScore is not null).ToArray();

        var combined = CombineOrders(comparisons);
        var (strengths, styleCoefficients, skipped) = Strengths(combined, byCell, conditions, referenceIndex, resamples, seed, level);
        return new QualityTriangleReport(
            reference,
            conditions,
            answers.Count,
            scored.Length,
            comparisons.Count,
            resamples,
            seed,
            Sides(answers, scored, resamples, seed, level),
            Partials(scored, resamples, seed, level),
            strengths,
            styleCoefficients,
            skipped,
            WinRates(combined, byCell, conditions, reference, resamples, seed, level),
            Blocked(scored, reference, resamples, seed, level),
            JudgeBias.Compute(comparisons.Select(c => new JudgedPair(c.Topic, c.ConditionA, c.ConditionB, c.OutcomeForA,
                byCell[(c.Topic, c.ConditionA)].LengthTokens, byCell[(c.Topic, c.ConditionB)].LengthTokens)).ToArray()));
    }

    /// <summary>
    /// The verdicts strengths and win rates count: a pair judged in both orders becomes one comparison, a win only when
    /// both orders name the same answer and a tie otherwise (so a judge that always picks the first answer produces
    /// ties, not wins); a pair judged in one order only stays as it is. The judge-bias diagnostics read the orders
    /// themselves.
    /// </summary>
    public static IReadOnlyList<QualityComparison> CombineOrders(IReadOnlyList<QualityComparison> comparisons)
    {
        var result = new List<QualityComparison>();
        foreach (var pair in comparisons.GroupBy(c => (c.Topic, Low: Min(c.ConditionA, c.ConditionB), High: Max(c.ConditionA, c.ConditionB))))
        {
            // Each verdict as the outcome for the pair's first condition in ordinal order.
            var outcomes = pair.Select(c => c.ConditionA == pair.Key.Low ? c.OutcomeForA : 1 - c.OutcomeForA).ToArray();
            if (outcomes.Length == 1)
            {
                result.Add(new QualityComparison(pair.Key.Topic, pair.Key.Low, pair.Key.High, outcomes[0]));
                continue;
            }
            bool agree = outcomes.All(o => o == outcomes[0]) && outcomes[0] != 0.5;
            result.Add(new QualityComparison(pair.Key.Topic, pair.Key.Low, pair.Key.High, agree ? outcomes[0] : 0.5));
        }
        return result;
    }

    private static string Min(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? a : b;

    private static string Max(string a, string b) => string.CompareOrdinal(a, b) <= 0 ? b : a;

    private static Dictionary<(string Topic, string Condition), QualityAnswer> Index(IReadOnlyList<QualityAnswer> answers)
    {
        var byCell = new Dictionary<(string, string), QualityAnswer>();
        foreach (var a in answers)
        {
            ArgumentNullException.ThrowIfNull(a);
            ArgumentNullException.ThrowIfNull(a.Topic);
            ArgumentNullException.ThrowIfNull(a.Condition);
            if (!double.IsFinite(a.PromptFeatures) || !double.IsFinite(a.AnswerMeanActivePerToken) || !double.IsFinite(a.AnswerDistinctFeatures))
                throw new ArgumentException($"the answer of condition '{a.Condition}' on topic '{a.Topic}' has a feature value that is NaN or infinite.",
                    nameof(answers));
            if (a.PointwiseScore is { } score && !double.IsFinite(score))
                throw new ArgumentException($"the answer of condition '{a.Condition}' on topic '{a.Topic}' has a non-finite score; use null for a missing one.",
                    nameof(answers));
            if (a.LengthTokens < 0 || a.LengthChars < 0 || a.Headers < 0 || a.ListItems < 0 || a.Bold < 0)
                throw new ArgumentException($"the answer of condition '{a.Condition}' on topic '{a.Topic}' has a negative length or count.", nameof(answers));
            if (!byCell.TryAdd((a.Topic, a.Condition), a))
                throw new ArgumentException($"condition '{a.Condition}' has two answers on topic '{a.Topic}'; the triangle needs one per topic and condition.",
                    nameof(answers));
        }
        return byCell;
    }

    private static readonly (string Name, Func<QualityAnswer, double> Value)[] FeatureVariables =
    [
        (PromptFeatures, a => a.PromptFeatures),
        (AnswerMeanActivePerToken, a => a.AnswerMeanActivePerToken),
        (AnswerDistinctFeatures, a => a.AnswerDistinctFeatures),
    ];

    private static List<CorrelationPair> Sides(IReadOnlyList<QualityAnswer> all, QualityAnswer[] scored, int resamples, ulong seed, double level)
    {
        var sides = new List<CorrelationPair>();
        void Add(string x, string y, IReadOnlyList<QualityAnswer> rows, Func<QualityAnswer, double> fx, Func<QualityAnswer, double> fy)
        {
            var xs = rows.Select(fx).ToArray();
            var ys = rows.Select(fy).ToArray();
            ulong stream = Bootstrap.DeriveSeed(seed, SideStream + (ulong)sides.Count);
            sides.Add(xs.Length < Correlation.MinimumPairs
                ? new CorrelationPair(x, y, xs.Length, PercentileInterval.Undefined(level, stream), PercentileInterval.Undefined(level, stream))
                : new CorrelationPair(x, y, xs.Length, Correlation.PearsonInterval(xs, ys, resamples, stream, level),
                    Correlation.SpearmanInterval(xs, ys, resamples, stream, level)));
        }
        foreach (var (name, value) in FeatureVariables)
        {
            Add(name, LengthTokens, all, value, a => a.LengthTokens);
            Add(name, PointwiseScore, scored, value, a => a.PointwiseScore!.Value);
        }
        Add(LengthTokens, PointwiseScore, scored, a => a.LengthTokens, a => a.PointwiseScore!.Value);
        return sides;
    }

    private static List<PartialCorrelationPair> Partials(QualityAnswer[] scored, int resamples, ulong seed, double level)
    {
        var partials = new List<PartialCorrelationPair>();
        double[][] given = [scored.Select(a => (double)a.LengthTokens).ToArray()];
        var scores = scored.Select(a => a.PointwiseScore!.Value).ToArray();
        foreach (var (name, value) in FeatureVariables)
        {
            var xs = scored.Select(value).ToArray();
            ulong stream = Bootstrap.DeriveSeed(seed, PartialStream + (ulong)partials.Count);
            partials.Add(xs.Length < given.Length + Correlation.MinimumPairs
                ? new PartialCorrelationPair(name, PointwiseScore, [LengthTokens], xs.Length, PercentileInterval.Undefined(level, stream),
                    PercentileInterval.Undefined(level, stream))
                : new PartialCorrelationPair(name, PointwiseScore, [LengthTokens], xs.Length,
                    PartialCorrelation.PearsonInterval(xs, scores, given, resamples, stream, level),
                    PartialCorrelation.SpearmanInterval(xs, scores, given, resamples, stream, level)));
        }
        return partials;
    }

    private static (List<ConditionStrength>, IReadOnlyList<StyleCoefficient>, int) Strengths(IReadOnlyList<QualityComparison> comparisons,
        Dictionary<(string, string), QualityAnswer> byCell, string[] conditions, int referenceIndex, int resamples, ulong seed, double level)
    {
        if (comparisons.Count == 0)
            return ([], [], 0);
        var outcomes = comparisons
            .Select(c => new PairwiseOutcome(Array.IndexOf(conditions, c.ConditionA), Array.IndexOf(conditions, c.ConditionB), c.OutcomeForA))
            .ToArray();
        var style = StyleCovariates.Arena(comparisons.Select(c => (Style(byCell[(c.Topic, c.ConditionA)]), Style(byCell[(c.Topic, c.ConditionB)]))).ToArray());
        var options = new BradleyTerryOptions(Resamples: resamples, Seed: Bootstrap.DeriveSeed(seed, StrengthStream), Level: level);
        var raw = BradleyTerry.Fit(conditions.Length, outcomes, referenceIndex, options);
        var controlled = BradleyTerry.FitStyleControlled(conditions.Length, outcomes, style, referenceIndex, options);
        var strengths = conditions.Select((c, i) => new ConditionStrength(c, raw.Items[i].LogOdds, controlled.Items[i].LogOdds)).ToList();
        return (strengths, controlled.Style, raw.SkippedResamples + controlled.SkippedResamples);
    }

    private static AnswerStyle Style(QualityAnswer a) => new(a.LengthTokens, a.Headers, a.ListItems, a.Bold);

    // One instance per topic on which the condition met the reference (the orders already combined, as AlpacaEval has
    // one per instruction); should a topic hold several, their mean.
    private static List<ConditionWinRate> WinRates(IReadOnlyList<QualityComparison> comparisons, Dictionary<(string, string), QualityAnswer> byCell,
        string[] conditions, string reference, int resamples, ulong seed, double level)
    {
        var rates = new List<ConditionWinRate>();
        for (int c = 0; c < conditions.Length; c++)
        {
            string condition = conditions[c];
            if (condition == reference)
                continue;
            var instances = comparisons
                .Where(v => (v.ConditionA == condition && v.ConditionB == reference) || (v.ConditionA == reference && v.ConditionB == condition))
                .GroupBy(v => v.Topic, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new LengthPairedOutcome(
                    g.Average(v => v.ConditionA == condition ? v.OutcomeForA : 1 - v.OutcomeForA),
                    byCell[(g.Key, condition)].LengthTokens,
                    byCell[(g.Key, reference)].LengthTokens))
                .ToArray();
            if (instances.Length == 0)
                continue;
            var result = LengthControlledWinRate.Compute(instances, resamples, Bootstrap.DeriveSeed(seed, WinRateStream + (ulong)c), level);
            rates.Add(new ConditionWinRate(condition, reference, result));
        }
        return rates;
    }

    private static BlockedEffectResult? Blocked(QualityAnswer[] scored, string reference, int resamples, ulong seed, double level)
    {
        if (!scored.Any(a => a.Condition == reference))
            return null;
        var scores = scored.Select(a => new BlockedScore(a.Topic, a.Condition, a.PointwiseScore!.Value)).ToArray();
        return BlockedConditionEffect.Compute(scores, reference, resamples, Bootstrap.DeriveSeed(seed, BlockedEffectStream), level);
    }
}
