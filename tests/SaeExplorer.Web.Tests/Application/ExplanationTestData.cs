using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>
/// Explanations with hand-counted scores, for the dashboard's tests. Detection: 4 of 5 positives and 5 of 6 negatives
/// answered right, one question unanswered: balanced accuracy (4/5 + 5/6) / 2 = 0.8167, shown as 0.82. Fuzzing: 3 of 4
/// and 4 of 6 right: (3/4 + 4/6) / 2 = 0.7083, shown as 0.71.
/// </summary>
internal static class ExplanationTestData
{
    public const string Explainer = "deepseek-chat";
    public const string Run = "run-b";

    /// <summary>Markup that must stay text wherever the explanation shows.</summary>
    public const string Text = "A self-described <b>beginner</b> asking for help";

    public const string Notes = "explained by deepseek-chat 2025-10-09; detection 0.82, fuzzing 0.71";

    public static readonly DateTimeOffset Explained = new(2025, 10, 9, 14, 32, 10, 123, TimeSpan.Zero);

    /// <summary>The one example the explainer saw: peak 3 on " beginner" (so 0.75 is a quarter of the tint); a token that looks like markup.</summary>
    public static readonly FeatureExample Shown = new("novice/t01", "novice", ExampleDocument.PromptSource, ExampleKind.Activating, 1, 5,
        ["I", " am", " a", " beginner", "<i>", " help"], [0f, 0.75f, 0f, 3f, 0f, 1.5f]);

    /// <summary>Held-out activating example <paramref name="i"/> (quantile i + 1), firing on " new" only.</summary>
    public static FeatureExample Positive(int i) => new($"novice/t{i + 10}", "novice", ExampleDocument.PromptSource, ExampleKind.Activating, i + 1, 0,
        ["I", "'m", " new", " to", " this"], [0f, 0f, 2f - 0.25f * i, 0f, 0f]);

    private static FeatureExample Negative(ExampleKind kind, int i) => new($"expert/t{i + 20}", "expert", ExampleDocument.PromptSource, kind, 0, 0,
        ["The", " tensor", " rank"], [0f, 0f, 0f]);

    /// <summary>The explainer's explanation of <paramref name="feature"/> with both scores, the questions in the order listed.</summary>
    public static FeatureExplanation Scored(string sae, int feature, string run = Run, string explainer = Explainer, DateTimeOffset? at = null)
    {
        ScoredExample Q(FeatureExample e, bool truth, bool? answer, params int[] marked) => new(e, marked, truth, answer);
        ScoredExample[] detection =
        [
            Q(Positive(0), true, true), Q(Positive(1), true, true), Q(Positive(2), true, true), Q(Positive(3), true, true), Q(Positive(4), true, false),
            Q(Negative(ExampleKind.Random, 0), false, false), Q(Negative(ExampleKind.Random, 1), false, false), Q(Negative(ExampleKind.Random, 2), false, true),
            Q(Negative(ExampleKind.Similar, 3), false, false), Q(Negative(ExampleKind.Similar, 4), false, false), Q(Negative(ExampleKind.Similar, 5), false, false),
            Q(Positive(5), true, null),
        ];
        ScoredExample[] fuzzing =
        [
            Q(Positive(0), true, true, 2), Q(Positive(1), true, true, 2), Q(Positive(2), true, true, 2), Q(Positive(3), true, false, 2),
            Q(Positive(4), false, false, 0), Q(Negative(ExampleKind.Random, 0), false, false, 1), Q(Negative(ExampleKind.Random, 1), false, false, 1),
            Q(Negative(ExampleKind.Similar, 3), false, false, 1), Q(Negative(ExampleKind.Similar, 4), false, true, 1), Q(Negative(ExampleKind.Similar, 5), false, true, 1),
        ];
        ExplanationScore Score(ScoringMethod method, ScoredExample[] questions) =>
            new(method, Explainer, "saex-score-v1", ClassificationScore.From(questions.Select(q => (q.Truth, q.Predicted))), questions);
        return new FeatureExplanation(sae, feature, run, explainer, "saex-explain-v1", ExplanationOutcomes.Ok, Text, at ?? Explained, 300, 40, [Shown],
            [Score(ScoringMethod.Detection, detection), Score(ScoringMethod.Fuzzing, fuzzing)], $"key-{feature}-{run}-{explainer}");
    }

    /// <summary>An explanation the explainer refused to write: no text, no scores.</summary>
    public static FeatureExplanation Refused(string sae, int feature, string run, string explainer, DateTimeOffset at) =>
        Scored(sae, feature, run, explainer, at) with { Outcome = ExplanationOutcomes.Refused, Text = null, Scores = [] };
}
