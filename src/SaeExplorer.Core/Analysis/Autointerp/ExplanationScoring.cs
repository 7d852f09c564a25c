using System.Text.Json.Serialization;

namespace SaeExplorer.Core.Analysis.Autointerp;

/// <summary>The two ways of scoring an explanation (delphi's names).</summary>
public enum ScoringMethod
{
    /// <summary>From the explanation alone, does the feature fire anywhere in this example?</summary>
    [JsonStringEnumMemberName("detection")]
    Detection,

    /// <summary>From the explanation alone, are the marked tokens the ones the feature fires on?</summary>
    [JsonStringEnumMemberName("fuzzing")]
    Fuzzing,
}

/// <summary>
/// One question to a scorer: an example, the tokens marked in it (fuzzing; empty for detection) and the right answer.
/// </summary>
public sealed record ScoringItem(FeatureExample Example, int[] Marked, bool Truth);

/// <summary>
/// A scorer's answers against the truth. Balanced accuracy — the mean of the recall on positives and on negatives — is
/// the headline: a scorer that answers at random, or always "yes", or always "no", gets 0.5 whatever the mix of
/// positives and negatives; a perfect one 1.0. Questions the scorer did not answer (unparseable replies) are counted in
/// <see cref="Unanswered"/> and left out of every rate. A rate whose denominator is 0 is null.
/// </summary>
public sealed record ClassificationScore(int TruePositives, int FalseNegatives, int TrueNegatives, int FalsePositives, int Unanswered)
{
    public int Positives => TruePositives + FalseNegatives;

    public int Negatives => TrueNegatives + FalsePositives;

    public int Answered => Positives + Negatives;

    /// <summary>True-positive rate.</summary>
    public double? Recall => Positives == 0 ? null : (double)TruePositives / Positives;

    /// <summary>True-negative rate.</summary>
    public double? Specificity => Negatives == 0 ? null : (double)TrueNegatives / Negatives;

    public double? BalancedAccuracy => Recall is { } r && Specificity is { } s ? (r + s) / 2 : null;

    public double? Accuracy => Answered == 0 ? null : (double)(TruePositives + TrueNegatives) / Answered;

    public double? Precision => TruePositives + FalsePositives == 0 ? null : (double)TruePositives / (TruePositives + FalsePositives);

    public double? F1 => Precision is { } p && Recall is { } r && p + r > 0 ? 2 * p * r / (p + r) : null;

    public static ClassificationScore From(IEnumerable<(bool Truth, bool? Predicted)> answers)
    {
        int tp = 0, fn = 0, tn = 0, fp = 0, none = 0;
        foreach (var (truth, predicted) in answers)
        {
            switch (truth, predicted)
            {
                case (_, null): none++; break;
                case (true, true): tp++; break;
                case (true, false): fn++; break;
                case (false, false): tn++; break;
                case (false, true): fp++; break;
            }
        }
        return new ClassificationScore(tp, fn, tn, fp, none);
    }
}

/// <summary>
/// Builds the scorers' questions from a feature's held-out examples, with their right answers. Detection asks about
/// every held-out example (truth: it activates). Fuzzing asks whether the marked tokens are the activating ones: each
/// activating example is shown once with its activating tokens marked (truth: yes) or, for every other one, with as
/// many tokens marked where the feature is 0 (truth: no); each negative with that typical number of random tokens
/// marked (truth: no). Items come in a seeded shuffled order, so positives and negatives are mixed in every batch.
/// </summary>
public static class ScoringItems
{
    public static IReadOnlyList<ScoringItem> Detection(FeatureExampleSet set, ulong seed)
    {
        var items = set.Test.Select(e => new ScoringItem(e, [], e.Activates)).ToList();
        var rng = new Quality.IndexResampler(Statistics.Bootstrap.DeriveSeed(seed, 0xDE7EC7));
        rng.Shuffle(items);
        return items;
    }

    public static IReadOnlyList<ScoringItem> Fuzzing(FeatureExampleSet set, ulong seed)
    {
        var rng = new Quality.IndexResampler(Statistics.Bootstrap.DeriveSeed(seed, 0xF022));
        var activating = set.Test.Where(e => e.Activates).ToList();
        var marks = activating.Select(ActiveTokens).ToList();
        int typical = marks.Count == 0 ? 1 : Math.Max(1, marks.Select(m => m.Length).Order().ElementAt(marks.Count / 2));
        var items = new List<ScoringItem>();
        for (int i = 0; i < activating.Count; i++)
        {
            var e = activating[i];
            var silent = Enumerable.Range(0, e.Tokens.Count).Where(t => e.Activations[t] <= 0).ToList();
            // An example active on every token cannot be mis-marked; it is shown correctly.
            if (i % 2 == 0 || silent.Count == 0)
                items.Add(new ScoringItem(e, marks[i], true));
            else
                items.Add(new ScoringItem(e, Pick(silent, marks[i].Length, ref rng), false));
        }
        foreach (var e in set.Test.Where(e => !e.Activates))
            items.Add(new ScoringItem(e, Pick(Enumerable.Range(0, e.Tokens.Count).ToList(), typical, ref rng), false));
        rng.Shuffle(items);
        return items;
    }

    private static int[] ActiveTokens(FeatureExample e) => Enumerable.Range(0, e.Tokens.Count).Where(t => e.Activations[t] > 0).ToArray();

    private static int[] Pick(List<int> candidates, int count, ref Quality.IndexResampler rng)
    {
        rng.Shuffle(candidates);
        return candidates.Take(Math.Max(1, Math.Min(count, candidates.Count))).Order().ToArray();
    }
}
