using Mediator;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Web.Application.Answers;

/// <summary>
/// One topic of a run's answers as the Answers page shows it. Every part may be null or unknown (a link from an older
/// page, a run since removed): the view then falls back to the newest run with answers, its baseline arm, its first
/// topic and its first judge, and says which it chose.
/// </summary>
public sealed record AnswersQuery(string? RunId, string? Arm, string? Topic, string? Judge) : IRequest<AnswersView>;

/// <summary>A run of the store that has answers, with its arms (baseline first).</summary>
public sealed record AnsweredRun(string RunId, string ExperimentName, DateTimeOffset StartedAt, IReadOnlyList<string> Arms);

/// <summary>
/// What the page shows. <see cref="RunId"/>, <see cref="Arm"/>, <see cref="Topic"/> and <see cref="Judge"/> are the
/// choices in effect (null where there is nothing to choose); <see cref="Conditions"/> holds one entry per condition of
/// the topic, novice and expert first, then the rest in prompt-set order.
/// </summary>
/// <param name="StorePath">the store's file, for the commands that fill it</param>
/// <param name="Arms">the arms of the run: baseline first, then by name</param>
/// <param name="Topics">the run's topics in prompt-set order</param>
/// <param name="Judges">the judge models that judged the run</param>
public sealed record AnswersView(
    string StorePath,
    IReadOnlyList<AnsweredRun> Runs,
    string? RunId,
    IReadOnlyList<string> Arms,
    string? Arm,
    IReadOnlyList<string> Topics,
    string? Topic,
    IReadOnlyList<string> Judges,
    string? Judge,
    IReadOnlyList<ConditionAnswers> Conditions)
{
    /// <summary>Whether an intervened arm is shown (each condition's baseline answer beside the arm's).</summary>
    public bool Intervened => Arm is not null && Arm != RunAnswerSet.BaselineArm;
}

/// <summary>
/// One condition's answers to the topic: <see cref="Answer"/> in the chosen arm (null when that arm did not answer this
/// prompt) and, when the chosen arm is an intervened one, <see cref="Baseline"/>, the plain answer to the same prompt.
/// </summary>
public sealed record ConditionAnswers(string Condition, string PromptId, AnswerDetail? Answer, AnswerDetail? Baseline);

/// <summary>
/// One answer with its sizes and, when the chosen judge judged it, the judge's verdicts.
/// </summary>
/// <param name="Characters">the length of <see cref="Text"/> as the quality analysis counts it (UTF-16 characters)</param>
/// <param name="AnswerMeanActivePerToken">NaN when the answer has no features (an SAE was not given when it was made)</param>
/// <param name="Rubric">the pointwise verdict, null when the judge did not judge this answer alone</param>
/// <param name="Pairs">the pairwise verdicts involving this answer, one per opponent, in condition order</param>
public sealed record AnswerDetail(
    string Arm,
    string PromptId,
    string Text,
    int AnswerTokens,
    int Characters,
    string FinishReason,
    int PromptActiveFeatures,
    double AnswerMeanActivePerToken,
    int AnswerDistinctFeatures,
    RubricVerdict? Rubric,
    IReadOnlyList<PairResult> Pairs);

/// <summary>A pointwise verdict: the four criteria 1–10 and their mean, or only the outcome when the reply was not a verdict.</summary>
public sealed record RubricVerdict(string Outcome, int? Accuracy, int? Completeness, int? Clarity, int? Usefulness, double? Mean, string? Rationale);

/// <summary>How a pair went for the answer it belongs to, in one order or overall.</summary>
public enum Versus
{
    Won,
    Lost,
    Tie,
    /// <summary>the judge's reply was not a verdict (unparseable or refused)</summary>
    NoVerdict,
    /// <summary>this order was not asked (a judgement made with another protocol)</summary>
    NotAsked,
}

/// <summary>
/// An answer against one opponent, judged in both orders: <see cref="AsA"/> when this answer was shown first,
/// <see cref="AsB"/> when it was shown second. <see cref="Agreed"/> is null unless both orders have a verdict;
/// <see cref="Overall"/> is a win or a loss only when both orders say so, and a tie otherwise (the analysis' rule).
/// </summary>
/// <param name="OpponentArm">the opponent's arm: the same arm, or the baseline/intervened answer to the same prompt</param>
public sealed record PairResult(string OpponentCondition, string OpponentArm, string OpponentPromptId, Versus AsA, Versus AsB, bool? Agreed, Versus Overall);
