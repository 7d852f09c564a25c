using SaeExplorer.Core.Analysis.Quality;
using SaeExplorer.Core.Analysis.Statistics;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Runs.Judging;

/// <summary>An intervened arm against the baseline: its interventions and the paired differences.</summary>
public sealed record ArmReport(string Arm, IReadOnlyList<FeatureIntervention> Interventions, InterventionScope Scope, IReadOnlyList<ArmComparisonResult> Results);

/// <summary>
/// How far two judges agree on the same answers: quadratically weighted κ and Spearman's ρ of their pointwise mean
/// scores, and Cohen's κ of their combined pairwise verdicts (X, Y or tie).
/// </summary>
public sealed record JudgeAgreement(string FirstJudge, string SecondJudge, KappaResult? ScoreKappa, ConfidenceInterval? ScoreSpearman, KappaResult? PairKappa);

/// <summary>Days 4–5 in one record: the triangle on the baseline answers, each intervened arm, the second judge's agreement.</summary>
public sealed record QualityAnalysisResult(
    string RunId,
    string JudgeModel,
    string Reference,
    IReadOnlyList<AnswerQualityRow> Rows,
    QualityTriangleReport Triangle,
    IReadOnlyList<ArmReport> Arms,
    JudgeAgreement? Agreement);

/// <summary>Turns a run's answers and a judge's verdicts into the quality analysis (statistics in Core).</summary>
public static class QualityAnalysis
{
    public static QualityAnalysisResult Run(PromptSet set, IReadOnlyList<RunAnswerSet> arms, JudgementSet judge, JudgementSet? second = null,
        int resamples = Correlation.DefaultResamples, ulong seed = 0)
    {
        var baseline = arms.FirstOrDefault(a => a.Arm == RunAnswerSet.BaselineArm)
            ?? throw new ArgumentException($"run {judge.RunId} has no baseline answers: run `saex run --generate` first.", nameof(arms));
        var rows = QualityData.Rows(arms, judge);
        var byRef = rows.ToDictionary(r => r.Answer);
        string reference = PromptSets.BaselineCondition(set).Name;

        if (rows.FirstOrDefault(r => r.Answer.Arm == baseline.Arm && !double.IsFinite(r.AnswerMeanActivePerToken)) is { } bare)
            throw new ArgumentException($"answer {bare.Answer.PromptId} of run {judge.RunId} has no SAE features (an empty answer, or answers made without --sae); generate the baseline with the SAE.");
        var answers = rows.Where(r => r.Answer.Arm == baseline.Arm).Select(r => new QualityAnswer(r.Topic, r.Condition, r.PromptActiveFeatures,
            r.AnswerMeanActivePerToken, r.AnswerDistinctFeatures, r.LengthTokens, r.LengthChars, r.Headers, r.ListItems, r.Bold, r.Score)).ToList();
        var comparisons = judge.Pairwise
            .Where(v => v.Outcome == JudgeOutcomes.Ok && v.First.Arm == baseline.Arm && v.Second.Arm == baseline.Arm)
            .Select(v => new QualityComparison(v.Topic, byRef[v.First].Condition, byRef[v.Second].Condition, OutcomeForFirst(v.Preferred!)))
            .ToList();
        var triangle = QualityTriangle.Build(answers, comparisons, reference, resamples, seed);

        var pairs = QualityData.Pairs(judge);
        var armReports = new List<ArmReport>();
        ulong stream = 1;
        foreach (var arm in arms.Where(a => a.Arm != baseline.Arm))
        {
            var armPairs = arm.Answers.Where(a => byRef.ContainsKey(new AnswerRef(baseline.Arm, a.PromptId))).Select(a =>
            {
                var mine = byRef[new AnswerRef(arm.Arm, a.PromptId)];
                var base_ = byRef[new AnswerRef(baseline.Arm, a.PromptId)];
                var pair = pairs.FirstOrDefault(p => (p.X == mine.Answer && p.Y == base_.Answer) || (p.X == base_.Answer && p.Y == mine.Answer));
                double? outcome = pair is null ? null : pair.X == mine.Answer ? pair.OutcomeForX : 1 - pair.OutcomeForX;
                return new ArmPair(a.Topic, a.Condition, base_.Score, mine.Score, base_.LengthTokens, mine.LengthTokens,
                    base_.AnswerMeanActivePerToken, mine.AnswerMeanActivePerToken, outcome);
            }).ToList();
            armReports.Add(new ArmReport(arm.Arm, arm.Interventions, arm.Scope,
                ArmComparison.Compute(armPairs, resamples, Bootstrap.DeriveSeed(seed, 1000 + stream++))));
        }
        return new QualityAnalysisResult(judge.RunId, judge.JudgeModel, reference, rows, triangle, armReports,
            second is null ? null : Agreement(judge, second, resamples, seed));
    }

    private static double OutcomeForFirst(string preferred) => preferred switch
    {
        "A" => 1,
        "B" => 0,
        _ => 0.5,
    };

    private static JudgeAgreement Agreement(JudgementSet first, JudgementSet second, int resamples, ulong seed)
    {
        var secondScores = second.Pointwise.Where(v => v.Score is not null).ToDictionary(v => v.Answer, v => v.Score!.Value);
        var both = first.Pointwise.Where(v => v.Score is not null && secondScores.ContainsKey(v.Answer)).ToArray();
        double[] a = [.. both.Select(v => v.Score!.Value)], b = [.. both.Select(v => secondScores[v.Answer])];
        var secondPairs = QualityData.Pairs(second).ToDictionary(p => (p.X, p.Y));
        var pairsBoth = QualityData.Pairs(first).Where(p => secondPairs.ContainsKey((p.X, p.Y))).ToArray();
        static string Label(double outcome) => outcome switch { 1 => "X", 0 => "Y", _ => "tie" };
        return new JudgeAgreement(first.JudgeModel, second.JudgeModel,
            a.Length == 0 ? null : AgreementStatistics.QuadraticWeightedKappa(a, b),
            a.Length < Correlation.MinimumPairs ? null : AgreementStatistics.ScoreSpearman(a, b, resamples, Bootstrap.DeriveSeed(seed, 2000)),
            pairsBoth.Length == 0 ? null : AgreementStatistics.CohensKappa(
                [.. pairsBoth.Select(p => Label(p.OutcomeForX))], [.. pairsBoth.Select(p => Label(secondPairs[(p.X, p.Y)].OutcomeForX))]));
    }
}
