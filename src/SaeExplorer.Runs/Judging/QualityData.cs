using SaeExplorer.Core.Analysis.Quality;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Runs.Judging;

/// <summary>
/// One answer with everything the quality triangle relates: the prompt's features, the answer's features, its length
/// and markdown style, and the judge's pointwise score (null when the judge gave none).
/// </summary>
public sealed record AnswerQualityRow(
    AnswerRef Answer,
    string Topic,
    string Condition,
    int PromptActiveFeatures,
    double AnswerMeanActivePerToken,
    int AnswerDistinctFeatures,
    int LengthTokens,
    int LengthChars,
    int Headers,
    int ListItems,
    int Bold,
    double? Score);

/// <summary>
/// A pair of answers judged in both orders, combined as the rule says: a win only when both orders name the
/// same answer, otherwise a tie. <see cref="OutcomeForX"/> is 1 (X won), 0 (Y won) or 0.5 (tie);
/// <see cref="Consistent"/> says whether the two orders gave the same verdict once unswapped;
/// <see cref="XFirstPreferred"/> and <see cref="YFirstPreferred"/> are what the judge said in each order ("A", "B", "tie").
/// </summary>
public sealed record PairOutcome(string Topic, AnswerRef X, AnswerRef Y, double OutcomeForX, bool Consistent, string XFirstPreferred, string YFirstPreferred);

/// <summary>Joins a run's answers with a judge's verdicts into the rows and pairs the analysis reads.</summary>
public static class QualityData
{
    public static IReadOnlyList<AnswerQualityRow> Rows(IReadOnlyList<RunAnswerSet> arms, JudgementSet? judge)
    {
        var scores = judge?.Pointwise.Where(v => v.Outcome == JudgeOutcomes.Ok).ToDictionary(v => v.Answer, v => v.Score);
        return [.. arms.SelectMany(arm => arm.Answers.Select(a =>
        {
            var style = MarkdownStyle.Count(a.Text);
            var key = new AnswerRef(arm.Arm, a.PromptId);
            return new AnswerQualityRow(key, a.Topic, a.Condition, a.PromptActiveFeatures, a.AnswerMeanActivePerToken, a.AnswerDistinctFeatures,
                a.AnswerTokens, a.Text.Length, style.Headers, style.ListItems, style.Bold, scores?.GetValueOrDefault(key));
        }))];
    }

    /// <summary>
    /// Every pair judged in both orders with a verdict in each; a pair with an order missing or unparseable is left out
    /// (it says nothing about position bias and half of it about the answers).
    /// </summary>
    public static IReadOnlyList<PairOutcome> Pairs(JudgementSet judge)
    {
        var byOrder = judge.Pairwise.Where(v => v.Outcome == JudgeOutcomes.Ok).GroupBy(v => (v.First, v.Second)).ToDictionary(g => g.Key, g => g.First());
        var result = new List<PairOutcome>();
        foreach (var ((first, second), verdict) in byOrder)
        {
            // Each unordered pair once: from the order whose first answer sorts first.
            if (Compare(first, second) > 0 || !byOrder.TryGetValue((second, first), out var swapped))
                continue;
            var winnerOne = verdict.Winner;
            var winnerTwo = swapped.Winner;
            bool consistent = Equals(winnerOne, winnerTwo);
            double outcome = consistent && winnerOne is not null ? (winnerOne == first ? 1 : 0) : 0.5;
            result.Add(new PairOutcome(verdict.Topic, first, second, outcome, consistent, verdict.Preferred!, swapped.Preferred!));
        }
        return result;
    }

    private static int Compare(AnswerRef a, AnswerRef b)
    {
        int arm = string.CompareOrdinal(a.Arm, b.Arm);
        return arm != 0 ? arm : string.CompareOrdinal(a.PromptId, b.PromptId);
    }
}
