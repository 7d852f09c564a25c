using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Reports.Tables;

/// <summary>The analysis results as exportable tables, with the column names the CLI's files and the dashboard's downloads share.</summary>
public static class AnalysisTables
{
    public static Table ConditionCounts(IReadOnlyList<ConditionActivity> rows) =>
        new(["condition", "prompts", "mean_active", "ci95_low", "ci95_high", "mean_max_activation"],
            rows.Select(c => (IReadOnlyList<object?>)[c.Condition, c.Prompts, c.ActiveCount.Estimate, c.ActiveCount.Lower, c.ActiveCount.Upper, c.MeanMaxActivation]));
}
