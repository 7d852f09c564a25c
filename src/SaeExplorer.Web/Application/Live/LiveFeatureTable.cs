using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Web.Application.Live;

/// <summary>The Live page's feature list as an exportable table (label, newest explanation and its detection score, pooled value and on how many of the pooled tokens each feature fires).</summary>
public static class LiveFeatureTable
{
    public static Table ToTable(LiveAnalysis analysis) =>
        new(["feature", "label", "explanation", "explanation_detection", "value", "tokens_active", "pooling"],
            analysis.Top.Select(f => (IReadOnlyList<object?>)[f.Feature, f.Label, f.Explanation?.Text, f.Explanation?.Detection, f.Value, f.ActiveTokens,
                analysis.Pooling.ToString().ToLowerInvariant()]));
}
