using SaeExplorer.Core.Analysis;
using SaeExplorer.Reports.Figures;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>The publication figures behind the Compare and Feature pages' charts (the same numbers, drawn by the Reports renderer).</summary>
public static class CompareFigures
{
    public static ConditionComparisonFigure ConditionCounts(IReadOnlyList<ConditionActivity> rows, string title) =>
        new(title, rows.Select(r => new ConditionEstimate(r.Condition, r.ActiveCount.Estimate, r.ActiveCount.Lower, r.ActiveCount.Upper)).ToList());

    public static FeatureActivationFigure FeatureActivation(FeatureDistribution distribution, string title) =>
        new(title, distribution.Conditions.Select(c => new ConditionValues(c.Condition, c.Values)).ToList());
}
