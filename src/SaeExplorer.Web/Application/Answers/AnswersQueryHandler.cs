using Mediator;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Answers;

/// <summary>
/// Assembles the Answers page from the store alone (answer sets and verdicts): no model, no SAE, so any run with answers
/// opens, whichever model is loaded.
/// </summary>
public sealed class AnswersQueryHandler(FeatureStore store) : IRequestHandler<AnswersQuery, AnswersView>
{
    /// <summary>The two ends of the seed set's expertise axis, the contrast the study reads first: shown before the rest.</summary>
    public static readonly IReadOnlyList<string> LeadingConditions = ["novice", "expert"];

    public ValueTask<AnswersView> Handle(AnswersQuery request, CancellationToken cancellationToken) => ValueTask.FromResult(Build(request));

    private AnswersView Build(AnswersQuery request)
    {
        var runs = store.ListRuns().Reverse()
            .Select(r => new AnsweredRun(r.RunId, r.ExperimentName, r.StartedAt, store.ListArms(r.RunId)))
            .Where(r => r.Arms.Count > 0).ToList();
        // A run named in the address is shown even without answers, so the page can say what would give it some.
        string? runId = request.RunId is { } named && store.GetRun(named) is not null ? named : runs.FirstOrDefault()?.RunId;
        if (runId is null)
            return new AnswersView(store.Path, runs, null, [], null, [], null, [], null, []);

        var arms = store.ListArms(runId);
        string? arm = request.Arm is { } a && arms.Contains(a) ? a : arms.FirstOrDefault();
        var judges = store.ListJudges(runId);
        string? judge = request.Judge is { } j && judges.Contains(j) ? j : judges.FirstOrDefault();
        if (arm is null)
            return new AnswersView(store.Path, runs, runId, arms, null, [], null, judges, judge, []);

        var chosen = store.GetAnswerSet(runId, arm)!;
        var baseline = arm == RunAnswerSet.BaselineArm ? chosen : store.GetAnswerSet(runId, RunAnswerSet.BaselineArm);
        // Answer sets keep the prompt set's order (condition by condition, each over every topic), so first appearances
        // give the set's order of topics and of conditions without reopening its prompt set. An intervened arm may answer
        // only some prompts; the baseline answers them all.
        var all = (baseline?.Answers ?? []).Concat(chosen.Answers).ToList();
        var topics = all.Select(x => x.Topic).Distinct().ToList();
        string? topic = request.Topic is { } t && topics.Contains(t) ? t : topics.FirstOrDefault();
        var conditions = all.Select(x => x.Condition).Distinct().ToList();
        var ordered = LeadingConditions.Where(conditions.Contains).Concat(conditions.Except(LeadingConditions)).ToList();
        var conditionOf = all.GroupBy(x => x.PromptId).ToDictionary(g => g.Key, g => g.First().Condition);
        var rank = ordered.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i);
        var judgements = judge is null ? null : store.GetJudgements(runId, judge);

        var shown = new List<ConditionAnswers>();
        foreach (var condition in ordered)
        {
            var answer = chosen.Answers.FirstOrDefault(x => x.Topic == topic && x.Condition == condition);
            var plain = arm == RunAnswerSet.BaselineArm ? null : baseline?.Answers.FirstOrDefault(x => x.Topic == topic && x.Condition == condition);
            if ((answer ?? plain) is not { } any)
                continue;
            shown.Add(new ConditionAnswers(condition, any.PromptId,
                answer is null ? null : Detail(arm, answer, judgements, conditionOf, rank),
                plain is null ? null : Detail(RunAnswerSet.BaselineArm, plain, judgements, conditionOf, rank)));
        }
        return new AnswersView(store.Path, runs, runId, arms, arm, topics, topic, judges, judge, shown);
    }

    private static AnswerDetail Detail(string arm, RunAnswer answer, JudgementSet? judgements, IReadOnlyDictionary<string, string> conditionOf,
        IReadOnlyDictionary<string, int> rank)
    {
        var me = new AnswerRef(arm, answer.PromptId);
        var rubric = judgements?.Pointwise.FirstOrDefault(v => v.Answer == me) is { } v
            ? new RubricVerdict(v.Outcome, v.Accuracy, v.Completeness, v.Clarity, v.Usefulness, v.Score, v.Rationale)
            : null;
        return new AnswerDetail(arm, answer.PromptId, answer.Text, answer.AnswerTokens, answer.Text.Length, answer.FinishReason,
            answer.PromptActiveFeatures, answer.AnswerMeanActivePerToken, answer.AnswerDistinctFeatures, rubric,
            Pairs(me, judgements?.Pairwise ?? [], conditionOf, rank));
    }

    /// <summary>The pairwise verdicts involving <paramref name="me"/>, both orders of each pair together.</summary>
    private static IReadOnlyList<PairResult> Pairs(AnswerRef me, IReadOnlyList<PairwiseVerdict> verdicts, IReadOnlyDictionary<string, string> conditionOf,
        IReadOnlyDictionary<string, int> rank) =>
        [.. verdicts.Where(v => v.First == me || v.Second == me)
            .GroupBy(v => v.First == me ? v.Second : v.First)
            .Select(pair =>
            {
                var asA = Outcome(pair.FirstOrDefault(v => v.First == me), me);
                var asB = Outcome(pair.FirstOrDefault(v => v.Second == me), me);
                bool? agreed = IsVerdict(asA) && IsVerdict(asB) ? asA == asB : null;
                // The quality analysis' rule (QualityData.Pairs): a win or a loss only when both orders say so.
                var overall = agreed switch
                {
                    true => asA,
                    false => Versus.Tie,
                    null => Versus.NoVerdict,
                };
                var opponent = pair.Key;
                return new PairResult(conditionOf.GetValueOrDefault(opponent.PromptId, opponent.PromptId), opponent.Arm, opponent.PromptId, asA, asB, agreed, overall);
            })
            // The other conditions of the same arm first, in the page's order; then the same prompt in the other arms.
            .OrderBy(p => p.OpponentArm == me.Arm ? 0 : 1)
            .ThenBy(p => rank.GetValueOrDefault(p.OpponentCondition, int.MaxValue))
            .ThenBy(p => p.OpponentArm, StringComparer.Ordinal)];

    private static Versus Outcome(PairwiseVerdict? verdict, AnswerRef me) => verdict switch
    {
        null => Versus.NotAsked,
        { Outcome: not JudgeOutcomes.Ok } => Versus.NoVerdict,
        { Winner: null } => Versus.Tie,
        { Winner: var w } when w == me => Versus.Won,
        _ => Versus.Lost,
    };

    private static bool IsVerdict(Versus outcome) => outcome is Versus.Won or Versus.Lost or Versus.Tie;
}
