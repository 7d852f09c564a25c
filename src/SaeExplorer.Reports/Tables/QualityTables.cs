using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Reports.Tables;

/// <summary>
/// The quality analysis as tables for a paper (CSV, JSON, LaTeX through <see cref="TableExporter"/>): numbers rounded
/// to what the intervals can support, each interval as its own lower and upper columns so tables stay machine-readable.
/// </summary>
public static class QualityTables
{
    /// <summary>Per condition: answers, mean score, Bradley–Terry strength raw and style-controlled, win rates against the reference.</summary>
    public static Table Conditions(QualityAnalysisResult result)
    {
        var t = result.Triangle;
        var baseline = result.Rows.Where(r => r.Answer.Arm == Runs.Generation.RunAnswerSet.BaselineArm).ToList();
        return new Table(
            ["condition", "answers", "mean_score", "bt_raw", "bt_raw_lo", "bt_raw_hi", "bt_style", "bt_style_lo", "bt_style_hi",
                "win_rate", "win_rate_lo", "win_rate_hi", "lc_win_rate", "lc_win_rate_lo", "lc_win_rate_hi", "score_diff", "score_diff_lo", "score_diff_hi", "wilcoxon_p"],
            t.Conditions.Select(c =>
            {
                var scores = baseline.Where(r => r.Condition == c && r.Score is not null).Select(r => r.Score!.Value).ToArray();
                var strength = t.Strengths.FirstOrDefault(s => s.Condition == c);
                var rate = t.WinRates.FirstOrDefault(w => w.Condition == c)?.Result;
                var diff = t.BlockedEffect?.Differences.FirstOrDefault(d => d.Condition == c);
                return (IReadOnlyList<object?>)
                [
                    c, baseline.Count(r => r.Condition == c), scores.Length == 0 ? null : R(scores.Average(), 2),
                    .. Interval(strength?.Raw, 3), .. Interval(strength?.StyleControlled, 3),
                    .. Interval(rate?.RawWinRate, 1), .. Interval(rate?.LengthControlled, 1),
                    // The p-value unrounded: four decimals would turn a small p into 0; the LaTeX writer typesets it.
                    .. Interval(diff?.MeanDifference, 2), diff is null || !double.IsFinite(diff.WilcoxonP) ? null : diff.WilcoxonP,
                ];
            }));
    }

    /// <summary>The sides of the triangle (Pearson and Spearman with intervals) and the partial correlations given length.</summary>
    public static Table Correlations(QualityAnalysisResult result) => new(
        ["x", "y", "given", "n", "pearson", "pearson_lo", "pearson_hi", "spearman", "spearman_lo", "spearman_hi"],
        result.Triangle.Sides.Select(s => (IReadOnlyList<object?>)[s.X, s.Y, "", s.Pairs, .. Interval(s.Pearson, 3), .. Interval(s.Spearman, 3)])
            .Concat(result.Triangle.Partials.Select(p => (IReadOnlyList<object?>)[p.X, p.Y, string.Join("+", p.Given), p.Rows, .. Interval(p.Pearson, 3), .. Interval(p.Spearman, 3)])));

    /// <summary>Each intervened arm against the baseline, over all prompts and per condition.</summary>
    public static Table Arms(QualityAnalysisResult result) => new(
        ["arm", "interventions", "scope", "prompts", "d_score", "d_score_lo", "d_score_hi", "d_length", "d_length_lo", "d_length_hi",
            "d_features", "d_features_lo", "d_features_hi", "judged_pairs", "win_rate", "win_rate_lo", "win_rate_hi"],
        result.Arms.SelectMany(a => a.Results.Select(r => (IReadOnlyList<object?>)
        [
            a.Arm, string.Join(" ", a.Interventions), r.Scope, r.Prompts, .. Interval(r.Quality.Delta, 2), .. Interval(r.Length.Delta, 1),
            .. Interval(r.AnswerFeatures.Delta, 2), r.JudgedPairs, .. Interval(r.PairwiseWinRate, 3),
        ])));

    /// <summary>Every answer with the triangle's variables, for one's own plots and models.</summary>
    public static Table Answers(QualityAnalysisResult result) => new(
        ["arm", "prompt_id", "topic", "condition", "prompt_features", "answer_mean_active_per_token", "answer_distinct_features", "length_tokens",
            "length_chars", "headers", "list_items", "bold", "score"],
        result.Rows.Select(r => (IReadOnlyList<object?>)
        [
            r.Answer.Arm, r.Answer.PromptId, r.Topic, r.Condition, r.PromptActiveFeatures,
            double.IsFinite(r.AnswerMeanActivePerToken) ? R(r.AnswerMeanActivePerToken, 2) : null, r.AnswerDistinctFeatures,
            r.LengthTokens, r.LengthChars, r.Headers, r.ListItems, r.Bold, r.Score,
        ]));

    private static object?[] Interval(ConfidenceInterval? ci, int digits) => ci is null
        ? [null, null, null]
        : [R(ci.Estimate, digits), R(ci.Lower, digits), R(ci.Upper, digits)];

    private static double? R(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : null;
}
