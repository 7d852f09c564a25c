namespace SaeExplorer.Runs.Generation;

/// <summary>
/// One prompt of a run with its answer, as everything downstream of generation reads it (the judge, the quality
/// triangle, the Answers page): the answer's text and size, and the feature counts of both sides, so none of them
/// needs the model or the SAE again.
/// </summary>
/// <param name="AnswerKey">the answer's key in the store (<see cref="AnswerSettings.Key"/>)</param>
/// <param name="Text">the answer decoded without its stop token</param>
/// <param name="PromptActiveFeatures">features active in the prompt's pooled vector (the run's pooling)</param>
/// <param name="AnswerMeanActivePerToken">mean number of active features per answer token (NaN when the answer has no features)</param>
/// <param name="AnswerDistinctFeatures">features active on at least one answer token</param>
public sealed record RunAnswer(
    string PromptId,
    string Topic,
    string Condition,
    string AnswerKey,
    string Text,
    int AnswerTokens,
    string FinishReason,
    int PromptActiveFeatures,
    double AnswerMeanActivePerToken,
    int AnswerDistinctFeatures);

/// <summary>
/// The answers of one arm of a run: <c>baseline</c> (plain decoding) or an intervened arm (e.g. novice-only
/// features ablated) over the same prompts, so arms can be compared prompt by prompt.
/// </summary>
/// <param name="Interventions">empty for the baseline</param>
public sealed record RunAnswerSet(
    string RunId,
    string Arm,
    DecodingOptions Decoding,
    IReadOnlyList<FeatureIntervention> Interventions,
    InterventionScope Scope,
    DateTimeOffset CreatedAt,
    IReadOnlyList<RunAnswer> Answers)
{
    public const string BaselineArm = "baseline";

    /// <summary>An arm name is part of file names and URLs: letters, digits, '-', '_' and '.', 1–64 of them.</summary>
    public static string CheckArm(string arm)
    {
        if (arm.Length is 0 or > 64 || arm.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || arm is "." or "..")
            throw new ArgumentException($"arm name '{arm}' is not allowed: use 1–64 letters, digits, '-', '_' or '.' (e.g. 'ablate-novice').");
        return arm;
    }
}

/// <summary>Where a run's answer sets are kept (the feature store implements it); a put replaces the arm whole.</summary>
public interface IRunAnswerStore
{
    void PutAnswerSet(RunAnswerSet set);

    RunAnswerSet? GetAnswerSet(string runId, string arm);

    /// <summary>The arms of a run, baseline first, then by name.</summary>
    IReadOnlyList<string> ListArms(string runId);
}
