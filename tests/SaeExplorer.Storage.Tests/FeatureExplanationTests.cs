using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Tests;

namespace SaeExplorer.Storage.Tests;

public sealed class FeatureExplanationTests
{
    private const string Sae = "sae-fingerprint-a";
    private static readonly DateTimeOffset When = DateTimeOffset.FromUnixTimeMilliseconds(1_760_000_000_123);

    internal static FeatureExplanation Explanation(int feature, string model, string text, DateTimeOffset at, double detectionRight = 1, string run = "run-1",
        string outcome = ExplanationOutcomes.Ok)
    {
        var shown = new FeatureExample("novice/black-holes", "novice", ExampleDocument.PromptSource, ExampleKind.Activating, 1, 3,
            ["I", " am", " new", " here"], [0f, 0.5f, 2.25f, 0f]);
        var silent = shown with { DocumentId = "expert/black-holes", Condition = "expert", Kind = ExampleKind.Similar, Quantile = 0, Activations = [0f, 0f, 0f, 0f] };
        // Two questions: the positive answered yes; the negative answered right with probability detectionRight (0 or 1).
        var detection = new[] { new ScoredExample(shown, [], true, true), new ScoredExample(silent, [], false, detectionRight < 1) };
        var fuzzing = new[] { new ScoredExample(shown, [2], true, true), new ScoredExample(shown, [0], false, false) };
        return new FeatureExplanation(Sae, feature, run, model, "saex-explain-v1", outcome, outcome == ExplanationOutcomes.Ok ? text : null, at, 300, 40, [shown],
        [
            new ExplanationScore(ScoringMethod.Detection, model, "saex-score-v1", ClassificationScore.From(detection.Select(e => (e.Truth, e.Predicted))), detection),
            new ExplanationScore(ScoringMethod.Fuzzing, model, "saex-score-v1", ClassificationScore.From(fuzzing.Select(e => (e.Truth, e.Predicted))), fuzzing),
        ], "key-" + feature);
    }

    [Fact]
    public void An_explanation_round_trips_with_its_examples_and_scores()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "x.db"));
        var e = Explanation(12, "deepseek-chat", "Marks a self-described beginner", When);
        store.PutExplanation(e);

        var back = Assert.Single(store.GetExplanations(Sae, 12));
        Assert.Equal("Marks a self-described beginner", back.Text);
        Assert.Equal(e.Shown[0].Tokens, back.Shown[0].Tokens);
        Assert.Equal(e.Shown[0].Activations, back.Shown[0].Activations);
        Assert.Equal(1.0, back.Score(ScoringMethod.Detection)!.BalancedAccuracy);
        Assert.Equal(1.0, back.Score(ScoringMethod.Fuzzing)!.BalancedAccuracy);
        Assert.Equal([2], back.Score(ScoringMethod.Fuzzing)!.Examples[0].Marked);
        Assert.Equal(When, back.CreatedAt);
        Assert.Empty(store.GetExplanations(Sae, 13));
        Assert.Empty(store.GetExplanations("other-sae", 12));
    }

    [Fact]
    public void The_latest_successful_explanation_of_each_feature_is_summarised()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "x.db"));
        store.PutExplanation(Explanation(12, "model-a", "old", When));
        store.PutExplanation(Explanation(12, "model-b", "new", When.AddMinutes(5), detectionRight: 0));
        store.PutExplanation(Explanation(12, "model-c", "refused later", When.AddMinutes(9), outcome: ExplanationOutcomes.Refused));
        store.PutExplanation(Explanation(40, "model-a", "forty", When));
        // The same SAE, feature, run and model again replaces the first.
        store.PutExplanation(Explanation(40, "model-a", "forty, again", When.AddMinutes(1)));

        var latest = store.LatestExplanations(Sae);
        Assert.Equal([12, 40], latest.Keys.Order());
        Assert.Equal(("new", "model-b", 0.5, 1.0), (latest[12].Text, latest[12].ExplainerModel, latest[12].Detection, latest[12].Fuzzing));
        Assert.Equal("forty, again", latest[40].Text);
        Assert.Equal(3, store.GetExplanations(Sae, 12).Count);
        Assert.Equal(["model-c", "model-b", "model-a"], store.GetExplanations(Sae, 12).Select(e => e.ExplainerModel));
        Assert.Single(store.GetExplanations(Sae, 40));
    }
}
