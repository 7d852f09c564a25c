using SaeExplorer.Core.Analysis.Autointerp;

namespace SaeExplorer.Runs.Autointerp;

/// <summary>What came of explaining one feature.</summary>
public static class ExplanationOutcomes
{
    public const string Ok = "ok";

    /// <summary>The explainer's reply held no explanation.</summary>
    public const string Unparseable = "unparseable";

    public const string Refused = "refused";

    /// <summary>The feature fires in no document of the run: there is nothing to explain.</summary>
    public const string Silent = "silent";
}

/// <summary>A held-out example as a scorer saw it (the tokens marked, for fuzzing), the right answer and the scorer's (null: no usable reply).</summary>
public sealed record ScoredExample(FeatureExample Example, int[] Marked, bool Truth, bool? Predicted);

/// <summary>How well one scorer model could use the explanation, by one method, and every question it was asked.</summary>
public sealed record ExplanationScore(ScoringMethod Method, string ScorerModel, string PromptVersion, ClassificationScore Result, IReadOnlyList<ScoredExample> Examples)
{
    public double? BalancedAccuracy => Result.BalancedAccuracy;
}

/// <summary>
/// An LLM's explanation of one SAE feature, made from the activating examples of one run (<see cref="Shown"/>), with
/// its scores. Explanations belong to the SAE (its content fingerprint), as labels do; <see cref="Text"/> is null
/// unless <see cref="Outcome"/> is <see cref="ExplanationOutcomes.Ok"/>.
/// </summary>
/// <param name="PromptVersion">the explainer prompt's version; a new wording is a new explanation</param>
/// <param name="ActiveDocuments">documents (prompts and answers) of the run where the feature fires</param>
public sealed record FeatureExplanation(
    string SaeFingerprint,
    int Feature,
    string RunId,
    string ExplainerModel,
    string PromptVersion,
    string Outcome,
    string? Text,
    DateTimeOffset CreatedAt,
    int Documents,
    int ActiveDocuments,
    IReadOnlyList<FeatureExample> Shown,
    IReadOnlyList<ExplanationScore> Scores,
    string CallKey)
{
    public ExplanationScore? Score(ScoringMethod method) => Scores.FirstOrDefault(s => s.Method == method);
}

/// <summary>An explanation without its examples: what tables and badges show.</summary>
public sealed record ExplanationSummary(int Feature, string Text, double? Detection, double? Fuzzing, string ExplainerModel, string RunId, DateTimeOffset CreatedAt)
{
    public static ExplanationSummary From(FeatureExplanation e) =>
        new(e.Feature, e.Text ?? "", e.Score(ScoringMethod.Detection)?.BalancedAccuracy, e.Score(ScoringMethod.Fuzzing)?.BalancedAccuracy,
            e.ExplainerModel, e.RunId, e.CreatedAt);
}

/// <summary>Where explanations are kept: one per SAE, feature, run and explainer model (a new one replaces the old).</summary>
public interface IExplanationStore
{
    void PutExplanation(FeatureExplanation explanation);

    /// <summary>Every explanation of a feature, newest first.</summary>
    IReadOnlyList<FeatureExplanation> GetExplanations(string saeFingerprint, int feature);

    /// <summary>The newest successful explanation of each feature of an SAE.</summary>
    IReadOnlyDictionary<int, ExplanationSummary> LatestExplanations(string saeFingerprint);
}
