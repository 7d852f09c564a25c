using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>
/// Runs of a small prompt set (four styles × three topics) whose answers and verdicts are written here, so what the
/// Answers page must show is known exactly; no model is involved.
/// </summary>
internal static class AnswersTestData
{
    public const string Judge = "judge-a";
    public const string SilentJudge = "judge-b";
    public const string Arm = "ablate-novice";
    public const string MarkupAnswer = "<b>not bold</b> <script>window.saexHacked = 1</script>\nA second line.";

    /// <summary>The conditions in prompt-set order; the page puts novice and expert first.</summary>
    public static readonly PromptSet Set = new("answers-test", "four styles, three topics",
    [
        new Condition("standard", "Explain {topic}."),
        new Condition("padding", "Please, if it is no trouble, explain {topic}."),
        new Condition("novice", "Explain {topic} to a novice."),
        new Condition("expert", "Explain {topic} to an expert."),
    ], ["gravity", "entropy", "tides"]);

    /// <summary>A 10,000-character answer of many lines (expert on tides), for the layout.</summary>
    public static readonly string LongAnswer = string.Concat(Enumerable.Range(0, 300).Select(i => $"Line {i:D3}: the tide rises and falls twice a day.\n"))[..10_000];

    public static string Id(string condition, string topic) => PromptSets.PromptId(condition, topic);

    /// <summary>
    /// A completed run with baseline answers for every prompt and, for novice and expert prompts only, the answers of
    /// <see cref="Arm"/>. Judged: <see cref="Judge"/>'s verdicts below, and <see cref="SilentJudge"/> with none.
    /// </summary>
    public static string Seed(FeatureStore store, bool judged)
    {
        var hash = new RunLifecycle(store).Register(Set);
        var run = store.CreateRun(new RunSpec(Set.Name, hash, new CacheIdentity("model-fp", "sae-fp", 2, ComputeDType.Float32, "Llama3", 8), PoolingMethod.Last, 12));
        store.UpdateRun(run with { Status = RunStatus.Completed, FinishedAt = DateTimeOffset.UtcNow });
        var prompts = PromptSets.Expand(Set);
        store.PutAnswerSet(new RunAnswerSet(run.RunId, RunAnswerSet.BaselineArm, new DecodingOptions(64), [], InterventionScope.All, DateTimeOffset.UtcNow,
            [.. prompts.Select((p, i) => new RunAnswer(p.Id, p.Topic, p.Condition, "key-" + i, Text(p.Condition, p.Topic), 10 + i,
                p.Condition == "padding" ? FinishReasons.Length : FinishReasons.Eos, 100 + i, 30.25 + i, 200 + i))]));
        store.PutAnswerSet(new RunAnswerSet(run.RunId, Arm, new DecodingOptions(64), [FeatureIntervention.Ablate(7)], InterventionScope.All, DateTimeOffset.UtcNow,
            [.. prompts.Where(p => p.Condition is "novice" or "expert").Select((p, i) => new RunAnswer(p.Id, p.Topic, p.Condition, "arm-key-" + i,
                $"Ablated {p.Condition} answer about {p.Topic}.", 5 + i, FinishReasons.Eos, 100 + i, double.NaN, 0))]));
        if (judged)
        {
            store.PutJudgements(Verdicts(run.RunId, prompts));
            store.PutJudgements(new JudgementSet(run.RunId, SilentJudge, "http://127.0.0.1:1/v1", "saex-judge-v1", 0, DateTimeOffset.UtcNow, [], [],
                new JudgeUsage(0, 0, 0, 0, null)));
        }
        return run.RunId;
    }

    public static string Text(string condition, string topic) => (condition, topic) switch
    {
        ("novice", "gravity") => MarkupAnswer,
        ("expert", "tides") => LongAnswer,
        _ => $"The {condition} answer about {topic}.",
    };

    /// <summary>
    /// On gravity: novice beats expert in both orders; novice and standard each win the order where they are shown first
    /// (the orders disagree); expert against standard has one unparseable order. The arm's novice answer ties with the
    /// baseline's in both orders. Every answer is scored 7/6/8/7 but novice on gravity (9/8/7/6), expert on gravity
    /// (unparseable) and the arm's answers (5/5/5/5).
    /// </summary>
    private static JudgementSet Verdicts(string runId, IReadOnlyList<ExperimentPrompt> prompts)
    {
        var pointwise = prompts.Select(p => Score(RunAnswerSet.BaselineArm, p, p.Id == Id("novice", "gravity") ? [9, 8, 7, 6] : p.Id == Id("expert", "gravity") ? null : [7, 6, 8, 7]))
            .Concat(prompts.Where(p => p.Condition is "novice" or "expert").Select(p => Score(Arm, p, [5, 5, 5, 5])))
            .ToList();
        AnswerRef Base(string condition) => new(RunAnswerSet.BaselineArm, Id(condition, "gravity"));
        PairwiseVerdict Pair(AnswerRef first, AnswerRef second, string? preferred) =>
            new("gravity", first, second, preferred is null ? JudgeOutcomes.Unparseable : JudgeOutcomes.Ok, preferred, preferred is null ? null : "because", $"pair-{first}-{second}");
        var ablated = new AnswerRef(Arm, Id("novice", "gravity"));
        List<PairwiseVerdict> pairwise =
        [
            Pair(Base("novice"), Base("expert"), "A"),
            Pair(Base("expert"), Base("novice"), "B"),
            Pair(Base("novice"), Base("standard"), "A"),
            Pair(Base("standard"), Base("novice"), "A"),
            Pair(Base("expert"), Base("standard"), null),
            Pair(Base("standard"), Base("expert"), "tie"),
            Pair(ablated, Base("novice"), "tie"),
            Pair(Base("novice"), ablated, "tie"),
        ];
        return new JudgementSet(runId, Judge, "http://127.0.0.1:1/v1", "saex-judge-v1", 0, DateTimeOffset.UtcNow, pointwise, pairwise,
            new JudgeUsage(pointwise.Count + pairwise.Count, 0, 0, 0, null));
    }

    private static PointwiseVerdict Score(string arm, ExperimentPrompt p, int[]? s) => s is null
        ? new PointwiseVerdict(new AnswerRef(arm, p.Id), p.Topic, p.Condition, JudgeOutcomes.Unparseable, null, null, null, null, null, $"point-{arm}-{p.Id}")
        : new PointwiseVerdict(new AnswerRef(arm, p.Id), p.Topic, p.Condition, JudgeOutcomes.Ok, s[0], s[1], s[2], s[3], $"{p.Condition} on {p.Topic} is fine", $"point-{arm}-{p.Id}");
}
