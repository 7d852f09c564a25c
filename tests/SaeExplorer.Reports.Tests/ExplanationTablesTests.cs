using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Reports.Tests;

public sealed class ExplanationTablesTests
{
    private static readonly DateTimeOffset When = new(2026, 11, 28, 23, 30, 0, TimeSpan.Zero);

    private static FeatureExplanation Explanation(int feature, string? text, string outcome, (bool Truth, bool? Predicted)[] detection)
    {
        var example = new FeatureExample("p", "novice", ExampleDocument.PromptSource, ExampleKind.Activating, 1, 0, ["a"], [1f]);
        var scored = detection.Select(d => new ScoredExample(example, [], d.Truth, d.Predicted)).ToList();
        IReadOnlyList<ExplanationScore> scores = scored.Count == 0 ? [] :
            [new ExplanationScore(ScoringMethod.Detection, "scorer-x", "saex-score-v1", ClassificationScore.From(detection), scored)];
        return new FeatureExplanation("sae", feature, "run-1", "explainer-y", "saex-explain-v1", outcome, text, When, 600, 42, [example], scores, "k");
    }

    [Fact]
    public void One_row_per_feature_in_index_order_with_scores_to_two_decimals_and_the_researchers_label()
    {
        // Detection: 2 of 3 positives and 1 of 1 negative right: balanced accuracy (2/3 + 1) / 2 = 0.8333… → 0.83.
        var table = ExplanationTables.Explanations(
        [
            Explanation(40, "the word & sign", ExplanationOutcomes.Ok, [(true, true), (true, true), (true, false), (false, false)]),
            Explanation(7, null, ExplanationOutcomes.Refused, []),
        ], new Dictionary<int, string> { [40] = "ampersand" });
        Assert.Equal([7, 40], table.Rows.Select(r => (int)r[0]!));
        var row = table.Rows[1];
        Assert.Equal(["feature", "label", "explanation", "outcome", "detection", "detection_questions", "fuzzing", "fuzzing_questions",
            "active_documents", "documents", "explainer", "scorer", "run_id", "explained"], table.Headers);
        Assert.Equal<object?>([40, "ampersand", "the word & sign", "ok", 0.83, 4, null, null, 42, 600, "explainer-y", "scorer-x", "run-1", "2026-11-28"], row);
        Assert.Equal<object?>([7, null, null, "refused", null, null, null, null, 42, 600, "explainer-y", null, "run-1", "2026-11-28"], table.Rows[0]);

        var paper = ExplanationTables.ForPaper(table);
        Assert.Equal(["feature", "label", "explanation", "detection", "fuzzing"], paper.Headers);
        var latex = TableExporter.ToLatex(paper);
        Assert.Contains(@"40 & ampersand & the word \& sign & 0.83 &  \\", latex);
    }

    [Fact]
    public void Without_labels_the_paper_table_has_no_label_column()
    {
        var table = ExplanationTables.Explanations([Explanation(3, "x", ExplanationOutcomes.Ok, [(true, true), (false, false)])], new Dictionary<int, string>());
        Assert.Equal(["feature", "explanation", "detection", "fuzzing"], ExplanationTables.ForPaper(table).Headers);
        Assert.Equal<object?>([3, "x", 1.0, null], ExplanationTables.ForPaper(table).Rows[0]);
    }
}
