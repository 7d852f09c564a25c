using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// One pairwise verdict as the judge saw it: <see cref="First"/> was shown in the first position ("A"). Answers are
/// named by topic and condition.
/// </summary>
/// <param name="OutcomeForFirst">1 first won, 0 second won, 0.5 tie.</param>
/// <param name="FirstLength">Length of the first answer (tokens).</param>
public sealed record JudgedPair(string Topic, string First, string Second, double OutcomeForFirst, double FirstLength, double SecondLength);

/// <summary>How often something happened out of a number of chances.</summary>
public sealed record Proportion(int Count, int OutOf)
{
    /// <summary>Count/OutOf; NaN when there were no chances.</summary>
    public double Rate => OutOf > 0 ? (double)Count / OutOf : double.NaN;
}

/// <summary>Diagnostics of a pairwise judge's biases.</summary>
/// <param name="Verdicts">All verdicts given.</param>
/// <param name="Decisive">Verdicts that were not ties (outcome 0 or 1).</param>
/// <param name="TieRate">Fraction of verdicts that were ties (outcome strictly between 0 and 1).</param>
/// <param name="LongerAnswerWins">
/// Among decisive verdicts between answers of different lengths, how often the longer won. Far above ½ means the judge
/// favours length — or that the longer answers were better, which this alone cannot tell apart.
/// </param>
/// <param name="LongerAnswerSignP">Two-sided exact sign test of <paramref name="LongerAnswerWins"/> against ½ (1 with no verdicts).</param>
/// <param name="FirstPositionWins">Among decisive verdicts, how often the answer shown first won (½ for a judge without position bias).</param>
/// <param name="FirstPositionSignP">Two-sided exact sign test of <paramref name="FirstPositionWins"/> against ½.</param>
/// <param name="PositionConsistency">
/// Among pairs judged in both orders, how often the two verdicts agree once the second is un-swapped: the same answer
/// won both times, or both were ties.
/// </param>
public sealed record JudgeBiasReport(int Verdicts, int Decisive, double TieRate, Proportion LongerAnswerWins, double LongerAnswerSignP,
    Proportion FirstPositionWins, double FirstPositionSignP, Proportion PositionConsistency);

/// <summary>Diagnostics of length and position bias from a judge's pairwise verdicts.</summary>
public static class JudgeBias
{
    /// <summary>
    /// Longer-answer win rate, first-position win rate, tie rate and position consistency. A pair is the same two
    /// answers (topic and the two conditions) in the two orders; each order may be judged at most once.
    /// </summary>
    public static JudgeBiasReport Compute(IReadOnlyList<JudgedPair> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        int decisive = 0, ties = 0, firstWins = 0, longerWins = 0, lengthsDiffer = 0;
        var byOrder = new Dictionary<(string Topic, string First, string Second), double>();
        foreach (var v in verdicts)
        {
            ArgumentNullException.ThrowIfNull(v);
            if (!(v.OutcomeForFirst >= 0 && v.OutcomeForFirst <= 1))
                throw new ArgumentOutOfRangeException(nameof(verdicts), v.OutcomeForFirst, "outcomes must lie in [0, 1].");
            if (v.First == v.Second)
                throw new ArgumentException($"a verdict on topic '{v.Topic}' compares condition '{v.First}' with itself.", nameof(verdicts));
            if (!byOrder.TryAdd((v.Topic, v.First, v.Second), v.OutcomeForFirst))
                throw new ArgumentException($"topic '{v.Topic}' has two verdicts with '{v.First}' shown before '{v.Second}'.", nameof(verdicts));
            if (v.OutcomeForFirst is not (0 or 1))
            {
                ties++;
                continue;
            }
            decisive++;
            bool firstWon = v.OutcomeForFirst == 1;
            if (firstWon)
                firstWins++;
            if (v.FirstLength != v.SecondLength)
            {
                lengthsDiffer++;
                if (firstWon == v.FirstLength > v.SecondLength)
                    longerWins++;
            }
        }
        int bothOrders = 0, consistent = 0;
        foreach (var ((topic, first, second), outcome) in byOrder)
        {
            // Each pair is visited from the order whose first condition sorts first, so it counts once.
            if (string.CompareOrdinal(first, second) > 0 || !byOrder.TryGetValue((topic, second, first), out var swapped))
                continue;
            bothOrders++;
            if (outcome == 1 - swapped)
                consistent++;
        }
        return new JudgeBiasReport(
            verdicts.Count,
            decisive,
            verdicts.Count > 0 ? (double)ties / verdicts.Count : double.NaN,
            new Proportion(longerWins, lengthsDiffer),
            SignTest.TwoSidedP(longerWins, lengthsDiffer - longerWins),
            new Proportion(firstWins, decisive),
            SignTest.TwoSidedP(firstWins, decisive - firstWins),
            new Proportion(consistent, bothOrders));
    }
}
