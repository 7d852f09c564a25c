using SaeExplorer.Core.Analysis.Statistics;

namespace SaeExplorer.Core.Analysis.Quality;

/// <summary>
/// One prompt answered twice — plainly (the baseline) and with an intervention (the arm) — and what a judge said.
/// Scores are null when the judge gave none; <see cref="PairwiseOutcomeForArm"/> is 1 (the arm's answer won both
/// orders), 0 (lost both), 0.5 (tie or disagreement), null when the pair was not judged.
/// </summary>
public sealed record ArmPair(
    string Topic,
    string Condition,
    double? BaselineScore,
    double? ArmScore,
    int BaselineLength,
    int ArmLength,
    double BaselineFeatures,
    double ArmFeatures,
    double? PairwiseOutcomeForArm);

/// <summary>A paired difference (arm − baseline) over the prompts where both sides exist, with its bootstrap interval.</summary>
public sealed record PairedDelta(string Name, int Prompts, ConfidenceInterval? Delta);

/// <summary>An intervened arm against its baseline, over all prompts and per condition.</summary>
/// <param name="PairwiseWinRate">mean pairwise outcome for the arm (0.5 = no preference), with its interval</param>
public sealed record ArmComparisonResult(string Scope, int Prompts, PairedDelta Quality, PairedDelta Length, PairedDelta AnswerFeatures,
    int JudgedPairs, ConfidenceInterval? PairwiseWinRate);

/// <summary>
/// The causal arm of the analysis: did ablating (clamping, adding) features change the answers' judged quality, length
/// and features? Differences are paired by prompt, so topic and style cancel; intervals are percentile bootstraps
/// over prompts (seeded, reproducible).
/// </summary>
public static class ArmComparison
{
    public const string QualityName = "pointwise_score";
    public const string LengthName = "length_tokens";
    public const string FeaturesName = "answer_mean_active_per_token";

    /// <summary>The arm over all its prompts, then over each condition's prompts (conditions in first-seen order).</summary>
    public static IReadOnlyList<ArmComparisonResult> Compute(IReadOnlyList<ArmPair> pairs, int resamples = Correlation.DefaultResamples, ulong seed = 0, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var results = new List<ArmComparisonResult> { One("all", pairs, resamples, Bootstrap.DeriveSeed(seed, 0), level) };
        ulong stream = 1;
        foreach (var condition in pairs.Select(p => p.Condition).Distinct(StringComparer.Ordinal))
            results.Add(One(condition, [.. pairs.Where(p => p.Condition == condition)], resamples, Bootstrap.DeriveSeed(seed, stream++), level));
        return results;
    }

    private static ArmComparisonResult One(string scope, IReadOnlyList<ArmPair> pairs, int resamples, ulong seed, double level)
    {
        var quality = pairs.Where(p => p.BaselineScore is not null && p.ArmScore is not null).Select(p => p.ArmScore!.Value - p.BaselineScore!.Value).ToArray();
        var length = pairs.Select(p => (double)(p.ArmLength - p.BaselineLength)).ToArray();
        var features = pairs.Where(p => double.IsFinite(p.BaselineFeatures) && double.IsFinite(p.ArmFeatures)).Select(p => p.ArmFeatures - p.BaselineFeatures).ToArray();
        var outcomes = pairs.Where(p => p.PairwiseOutcomeForArm is not null).Select(p => p.PairwiseOutcomeForArm!.Value).ToArray();
        return new ArmComparisonResult(scope, pairs.Count,
            Delta(QualityName, quality, resamples, Bootstrap.DeriveSeed(seed, 1), level),
            Delta(LengthName, length, resamples, Bootstrap.DeriveSeed(seed, 2), level),
            Delta(FeaturesName, features, resamples, Bootstrap.DeriveSeed(seed, 3), level),
            outcomes.Length,
            outcomes.Length == 0 ? null : Bootstrap.MeanInterval(outcomes, resamples, Bootstrap.DeriveSeed(seed, 4), level));
    }

    private static PairedDelta Delta(string name, double[] differences, int resamples, ulong seed, double level) =>
        new(name, differences.Length, differences.Length == 0 ? null : Bootstrap.MeanInterval(differences, resamples, seed, level));
}
