using SaeExplorer.Runs;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Storage;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Answers;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>The Answers page's view assembled from answer sets and verdicts written into a real store (no model).</summary>
public sealed class AnswersQueryTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly FeatureStore _store;
    private readonly string _runId;

    public AnswersQueryTests()
    {
        _store = FeatureStore.Open(Path.Combine(_directory.Path, "saex.db"));
        _runId = AnswersTestData.Seed(_store, judged: true);
    }

    private async Task<AnswersView> View(string? run = null, string? arm = null, string? topic = null, string? judge = null) =>
        await new AnswersQueryHandler(_store).Handle(new AnswersQuery(run ?? _runId, arm, topic, judge), CancellationToken.None);

    private static ConditionAnswers Card(AnswersView view, string condition) => Assert.Single(view.Conditions, c => c.Condition == condition);

    [Fact]
    public async Task Conditions_come_novice_and_expert_first_then_in_prompt_set_order_with_sizes_and_scores()
    {
        var view = await View(topic: "gravity", judge: AnswersTestData.Judge);

        Assert.Equal(["novice", "expert", "standard", "padding"], view.Conditions.Select(c => c.Condition));
        Assert.Equal(["gravity", "entropy", "tides"], view.Topics);
        Assert.Equal([RunAnswerSet.BaselineArm, AnswersTestData.Arm], view.Arms);
        Assert.Equal([AnswersTestData.Judge, AnswersTestData.SilentJudge], view.Judges);
        Assert.False(view.Intervened);
        Assert.All(view.Conditions, c => Assert.Null(c.Baseline));

        // Prompts expand condition by condition: novice on gravity is the seventh (index 6), padding the fourth.
        var novice = Card(view, "novice").Answer!;
        Assert.Equal((AnswersTestData.Id("novice", "gravity"), AnswersTestData.MarkupAnswer, 16, AnswersTestData.MarkupAnswer.Length, FinishReasons.Eos, 106, 36.25, 206),
            (novice.PromptId, novice.Text, novice.AnswerTokens, novice.Characters, novice.FinishReason, novice.PromptActiveFeatures, novice.AnswerMeanActivePerToken,
                novice.AnswerDistinctFeatures));
        Assert.Equal(new RubricVerdict(JudgeOutcomes.Ok, 9, 8, 7, 6, 7.5, "novice on gravity is fine"), novice.Rubric);
        Assert.Equal(FinishReasons.Length, Card(view, "padding").Answer!.FinishReason);
        // The judge's reply on expert's answer was not a verdict: the outcome, no scores.
        Assert.Equal(new RubricVerdict(JudgeOutcomes.Unparseable, null, null, null, null, null, null), Card(view, "expert").Answer!.Rubric);
    }

    [Fact]
    public async Task Both_orders_of_a_pair_are_read_together_with_whether_they_agree()
    {
        var view = await View(topic: "gravity", judge: AnswersTestData.Judge);

        var novice = Card(view, "novice").Answer!.Pairs;
        // The same arm's other conditions in the page's order, then the same prompt in the other arms.
        Assert.Equal([("expert", "baseline"), ("standard", "baseline"), ("novice", AnswersTestData.Arm)], novice.Select(p => (p.OpponentCondition, p.OpponentArm)));
        Assert.Equal(new PairResult("expert", "baseline", AnswersTestData.Id("expert", "gravity"), Versus.Won, Versus.Won, true, Versus.Won), novice[0]);
        // Each answer won the order where it was shown first: the orders disagree, which counts as a tie.
        Assert.Equal(new PairResult("standard", "baseline", AnswersTestData.Id("standard", "gravity"), Versus.Won, Versus.Lost, false, Versus.Tie), novice[1]);
        Assert.Equal(new PairResult("novice", AnswersTestData.Arm, AnswersTestData.Id("novice", "gravity"), Versus.Tie, Versus.Tie, true, Versus.Tie), novice[2]);

        var expert = Card(view, "expert").Answer!.Pairs;
        Assert.Equal(new PairResult("novice", "baseline", AnswersTestData.Id("novice", "gravity"), Versus.Lost, Versus.Lost, true, Versus.Lost), expert[0]);
        // One order unparseable: no agreement to speak of, and no result.
        Assert.Equal(new PairResult("standard", "baseline", AnswersTestData.Id("standard", "gravity"), Versus.NoVerdict, Versus.Tie, null, Versus.NoVerdict), expert[1]);

        Assert.Empty(Card(view, "padding").Answer!.Pairs);
        // Another topic has scores but no pairs.
        Assert.All((await View(topic: "entropy", judge: AnswersTestData.Judge)).Conditions, c => Assert.Empty(c.Answer!.Pairs));
    }

    [Fact]
    public async Task An_intervened_arm_shows_each_condition_beside_the_baseline_answer_to_the_same_prompt()
    {
        var view = await View(arm: AnswersTestData.Arm, topic: "gravity", judge: AnswersTestData.Judge);

        Assert.True(view.Intervened);
        Assert.Equal(["novice", "expert", "standard", "padding"], view.Conditions.Select(c => c.Condition));
        foreach (var c in view.Conditions)
        {
            Assert.Equal(AnswersTestData.Id(c.Condition, "gravity"), c.PromptId);
            Assert.Equal((RunAnswerSet.BaselineArm, c.PromptId, AnswersTestData.Text(c.Condition, "gravity")), (c.Baseline!.Arm, c.Baseline.PromptId, c.Baseline.Text));
        }
        var novice = Card(view, "novice");
        Assert.Equal((AnswersTestData.Arm, "Ablated novice answer about gravity.", 5.0), (novice.Answer!.Arm, novice.Answer.Text, novice.Answer.Rubric!.Mean));
        Assert.True(double.IsNaN(novice.Answer.AnswerMeanActivePerToken));
        var pair = Assert.Single(novice.Answer.Pairs);
        Assert.Equal(("novice", RunAnswerSet.BaselineArm, Versus.Tie, true), (pair.OpponentCondition, pair.OpponentArm, pair.Overall, pair.Agreed));
        // The arm answered novice and expert prompts only.
        Assert.Null(Card(view, "standard").Answer);
        Assert.Null(Card(view, "padding").Answer);
    }

    [Fact]
    public async Task A_judge_without_verdicts_on_these_answers_leaves_them_unscored()
    {
        var view = await View(topic: "gravity", judge: AnswersTestData.SilentJudge);

        Assert.Equal(AnswersTestData.SilentJudge, view.Judge);
        Assert.All(view.Conditions, c => Assert.Null(c.Answer!.Rubric));
        Assert.All(view.Conditions, c => Assert.Empty(c.Answer!.Pairs));
    }

    [Fact]
    public async Task Missing_or_unknown_choices_fall_back_to_the_newest_answered_run_its_baseline_first_topic_and_first_judge()
    {
        var unjudged = AnswersTestData.Seed(_store, judged: false);
        var seeded = _store.GetRun(_runId)!;
        var bare = _store.CreateRun(new RunSpec(seeded.ExperimentName, seeded.PromptSetHash!, seeded.Identity!, seeded.Pooling, 12));

        var newest = await new AnswersQueryHandler(_store).Handle(new AnswersQuery(null, null, null, null), CancellationToken.None);
        // The run without answers is not offered; the newest one with answers is chosen.
        Assert.Equal([unjudged, _runId], newest.Runs.Select(x => x.RunId));
        Assert.Equal((unjudged, RunAnswerSet.BaselineArm, "gravity", (string?)null), (newest.RunId, newest.Arm, newest.Topic, newest.Judge));
        Assert.Empty(newest.Judges);
        Assert.All(newest.Conditions, c => Assert.Null(c.Answer!.Rubric));

        var unknown = await View(arm: "no-such-arm", topic: "no such topic", judge: "no-such-judge");
        Assert.Equal((_runId, RunAnswerSet.BaselineArm, "gravity", AnswersTestData.Judge), (unknown.RunId, unknown.Arm, unknown.Topic, unknown.Judge));

        // A run named in the address but without answers is shown as such, so the page can say how to answer it.
        var empty = await View(run: bare.RunId);
        Assert.Equal((bare.RunId, (string?)null), (empty.RunId, empty.Arm));
        Assert.Empty(empty.Conditions);
        Assert.Equal(_store.Path, empty.StorePath);
    }

    [Fact]
    public async Task A_store_without_answers_offers_no_run()
    {
        using var directory = new TempDirectory();
        using var store = FeatureStore.Open(Path.Combine(directory.Path, "saex.db"));

        var view = await new AnswersQueryHandler(store).Handle(new AnswersQuery(null, null, null, null), CancellationToken.None);

        Assert.Null(view.RunId);
        Assert.Empty(view.Runs);
        Assert.Empty(view.Conditions);
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }
}
