using System.Diagnostics.CodeAnalysis;

namespace SaeExplorer.Runs.Judging;

/// <summary>What came of one judge call: a verdict, a reply that is not one, or a refusal.</summary>
public static class JudgeOutcomes
{
    public const string Ok = "ok";
    public const string Unparseable = "unparseable";
    public const string Refused = "refused";
}

/// <summary>An answer of a run: which arm, which prompt.</summary>
public sealed record AnswerRef(string Arm, string PromptId);

/// <summary>
/// A pointwise verdict: four rubric scores 1–10 and their mean (<see cref="Score"/>); the scores are null unless
/// <see cref="Outcome"/> is <see cref="JudgeOutcomes.Ok"/>.
/// </summary>
public sealed record PointwiseVerdict(
    AnswerRef Answer,
    string Topic,
    string Condition,
    string Outcome,
    int? Accuracy,
    int? Completeness,
    int? Clarity,
    int? Usefulness,
    string? Rationale,
    string CallKey)
{
    public double? Score => Outcome == JudgeOutcomes.Ok ? (Accuracy + Completeness + Clarity + Usefulness) / 4.0 : null;
}

/// <summary>
/// One order of a pairwise comparison: <see cref="First"/> was shown as "A", <see cref="Second"/> as "B";
/// <see cref="Preferred"/> is "A", "B" or "tie" as the judge said it (null unless the outcome is ok).
/// </summary>
public sealed record PairwiseVerdict(
    string Topic,
    AnswerRef First,
    AnswerRef Second,
    string Outcome,
    string? Preferred,
    string? Rationale,
    string CallKey)
{
    /// <summary>The preferred answer itself (null for a tie or no verdict).</summary>
    public AnswerRef? Winner => Preferred switch
    {
        "A" => First,
        "B" => Second,
        _ => null,
    };
}

/// <summary>Tokens and money spent; <see cref="Calls"/> were sent, <see cref="Cached"/> came from the store.</summary>
/// <param name="CostUsd">null when no prices were given</param>
public sealed record JudgeUsage(int Calls, int Cached, long InputTokens, long OutputTokens, double? CostUsd);

/// <summary>
/// One judge's verdicts on a run's answers. <see cref="Endpoint"/> is the base URL only (never a key);
/// <see cref="Seed"/> decided the order answers were shown in.
/// </summary>
public sealed record JudgementSet(
    string RunId,
    string JudgeModel,
    string Endpoint,
    string ProtocolVersion,
    ulong Seed,
    DateTimeOffset JudgedAt,
    IReadOnlyList<PointwiseVerdict> Pointwise,
    IReadOnlyList<PairwiseVerdict> Pairwise,
    JudgeUsage Usage);

/// <summary>
/// One call to a judge as it is cached: the messages sent and the reply, keyed by the endpoint's model id, the
/// protocol version and a hash of the messages (<see cref="Key"/>), so a rerun sends nothing twice.
/// </summary>
/// <param name="Reply">the content the judge returned (null when it returned none after every retry)</param>
/// <param name="Refused">the endpoint flagged the reply (content filter or a refusal)</param>
public sealed record JudgeCall(string Key, string Model, string ProtocolVersion, string MessagesJson, string? Reply, bool Refused,
    long InputTokens, long OutputTokens, DateTimeOffset At);

/// <summary>Where judge calls and verdicts are kept (the feature store implements it). Each put is atomic.</summary>
public interface IJudgeStore
{
    bool TryGetCall(string key, [NotNullWhen(true)] out JudgeCall? call);

    void PutCall(JudgeCall call);

    /// <summary>Replaces the verdicts of this judge model on this run.</summary>
    void PutJudgements(JudgementSet set);

    JudgementSet? GetJudgements(string runId, string judgeModel);

    /// <summary>The judge models that judged a run, by name.</summary>
    IReadOnlyList<string> ListJudges(string runId);
}
