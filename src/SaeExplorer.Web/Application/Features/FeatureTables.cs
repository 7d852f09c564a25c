using SaeExplorer.Core.Analysis;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Web.Application.Features;

/// <summary>The Feature page's tables as exportable tables (column names as in <c>autointerp_results.json</c>).</summary>
public static class FeatureTables
{
    public static Table Distribution(FeatureDistribution distribution) =>
        new(["feature", "condition", "prompts", "active", "fraction", "mean_when_active", "median_when_active", "max_when_active"],
            distribution.Conditions.Select(c => (IReadOnlyList<object?>)
                [distribution.Feature, c.Condition, c.PromptCount, c.ActiveCount, c.ActiveFraction, c.MeanWhenActive, c.MedianWhenActive, c.MaxWhenActive]));
}
