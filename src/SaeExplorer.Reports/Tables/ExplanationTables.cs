using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Reports.Tables;

/// <summary>
/// Explanations with their scores as the paper's feature table (CSV, JSON, LaTeX through <see cref="TableExporter"/>):
/// one row per feature, the researcher's label beside the LLM's explanation, balanced accuracies to two decimals.
/// </summary>
public static class ExplanationTables
{
    /// <param name="labels">the researchers' labels by feature (empty when none)</param>
    public static Table Explanations(IEnumerable<FeatureExplanation> explanations, IReadOnlyDictionary<int, string> labels) => new(
        ["feature", "label", "explanation", "outcome", "detection", "detection_questions", "fuzzing", "fuzzing_questions", "active_documents",
            "documents", "explainer", "scorer", "run_id", "explained"],
        explanations.OrderBy(e => e.Feature).Select(e =>
        {
            var detection = e.Score(ScoringMethod.Detection);
            var fuzzing = e.Score(ScoringMethod.Fuzzing);
            return (IReadOnlyList<object?>)
            [
                e.Feature, labels.GetValueOrDefault(e.Feature), e.Text, e.Outcome,
                Round(detection?.BalancedAccuracy), detection?.Result.Answered, Round(fuzzing?.BalancedAccuracy), fuzzing?.Result.Answered,
                e.ActiveDocuments, e.Documents, e.ExplainerModel, detection?.ScorerModel ?? fuzzing?.ScorerModel, e.RunId,
                e.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd"),
            ];
        }));

    /// <summary>The columns a paper prints: feature, label (when any), explanation, the two scores.</summary>
    public static Table ForPaper(Table full)
    {
        string[] keep = full.Rows.Any(r => r[1] is not null)
            ? ["feature", "label", "explanation", "detection", "fuzzing"]
            : ["feature", "explanation", "detection", "fuzzing"];
        var index = keep.Select(k => full.Headers.ToList().IndexOf(k)).ToArray();
        return new Table(keep, full.Rows.Select(r => (IReadOnlyList<object?>)index.Select(i => r[i]).ToArray()));
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2) : null;
}
