using System.Globalization;
using System.Net;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Reports.Figures;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>One tested latent of a volcano plot.</summary>
/// <param name="Log2OddsRatio">The effect (x): log₂ odds ratio of being active, A over B.</param>
/// <param name="FisherQ">The q-value of Fisher's test on presence, the test that goes with that effect.</param>
/// <param name="Height">−log₁₀ <paramref name="FisherQ"/> (y); the volcano's cap when q is 0 (see <see cref="VolcanoView.Cap"/>).</param>
/// <param name="Capped">q is 0, so <paramref name="Height"/> is the cap, not −log₁₀ q (which is infinite).</param>
/// <param name="Group">The condition the latent is significantly more often active in (q ≤ the threshold), or <see cref="VolcanoView.NotSignificant"/>.</param>
public sealed record VolcanoPoint(int Feature, string? Label, double Log2OddsRatio, double FisherQ, double Height, bool Capped, string Group);

/// <summary>Every tested latent of a contrast as effect against significance.</summary>
/// <param name="Points">In the report's order (Fisher q first).</param>
/// <param name="Cap">
/// The height drawn for q = 0: the highest finite −log₁₀ q of the other latents, or −log₁₀ of the smallest positive
/// double when every q is 0; null when no q is 0.
/// </param>
public sealed record VolcanoView(string A, string B, double MaxQ, IReadOnlyList<VolcanoPoint> Points, double? Cap)
{
    /// <summary>The group of latents whose q is above the threshold (or whose effect is 0).</summary>
    public const string NotSignificant = "n.s.";

    public int CappedCount => Points.Count(p => p.Capped);
}

/// <summary>The publication figures behind the Compare and Feature pages' charts (the same numbers, drawn by the Reports renderer).</summary>
public static class CompareFigures
{
    public static ConditionComparisonFigure ConditionCounts(IReadOnlyList<ConditionActivity> rows, string title) =>
        new(title, rows.Select(r => new ConditionEstimate(r.Condition, r.ActiveCount.Estimate, r.ActiveCount.Lower, r.ActiveCount.Upper)).ToList());

    public static FeatureActivationFigure FeatureActivation(FeatureDistribution distribution, string title) =>
        new(title, distribution.Conditions.Select(c => new ConditionValues(c.Condition, c.Values)).ToList());

    public const string VolcanoEffectLabel = "log₂ odds ratio of being active";
    public const string VolcanoSignificanceLabel = "−log₁₀ Fisher q";

    /// <summary>
    /// The volcano of a contrast: per tested latent, the log₂ odds ratio of presence against −log₁₀ of Fisher's q (the
    /// effect and the test of the same thing), grouped by the side it is significantly more active in at
    /// <paramref name="maxQ"/>. A q of 0 (the exact p underflowed) cannot be drawn at its height, which is infinite;
    /// it is drawn at the highest height shown instead and marked <see cref="VolcanoPoint.Capped"/>.
    /// </summary>
    public static VolcanoView Volcano(ContrastStatisticsReport report, IReadOnlyDictionary<int, string> labels, double maxQ)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxQ);
        var positive = report.Features.Where(f => f.FisherQ > 0).Select(f => -Math.Log10(f.FisherQ)).ToList();
        double? cap = report.Features.Any(f => f.FisherQ == 0)
            ? positive.Count > 0 ? positive.Max() : -Math.Log10(double.Epsilon)
            : null;
        string a = report.Contrast.A, b = report.Contrast.BName;
        var points = report.Features.Select(f => new VolcanoPoint(
            f.Feature, labels.GetValueOrDefault(f.Feature), f.Log2OddsRatio, f.FisherQ,
            f.FisherQ == 0 ? cap!.Value : -Math.Log10(f.FisherQ), f.FisherQ == 0,
            f.FisherQ > maxQ || f.Log2OddsRatio == 0 ? VolcanoView.NotSignificant : f.Log2OddsRatio > 0 ? a : b)).ToList();
        return new VolcanoView(a, b, maxQ, points, cap);
    }

    /// <summary>What hovering a point says (Plotly's HTML subset; the label is encoded so its own markup stays text).</summary>
    public static string VolcanoHover(VolcanoPoint p)
    {
        string label = p.Label is { Length: > 0 } l ? " · " + WebUtility.HtmlEncode(l) : "";
        string q = p.Capped
            ? "Fisher q = 0 (below double precision; drawn at the top)"
            : "Fisher q " + p.FisherQ.ToString("G3", CultureInfo.InvariantCulture);
        return $"<b>Feature {p.Feature}</b>{label}<br>log₂ OR {p.Log2OddsRatio.ToString("F2", CultureInfo.InvariantCulture)} · {q}";
    }

    public static ConditionScatterFigure VolcanoFigure(VolcanoView volcano, string title) =>
        new(title, volcano.Points.Select(p => new ScatterPoint(p.Log2OddsRatio, p.Height, p.Group)).ToList(),
            $"{VolcanoEffectLabel} ({volcano.A} over {volcano.B})", VolcanoSignificanceLabel, showTickLabels: true);

    public static Table VolcanoTable(VolcanoView volcano) =>
        new(["feature", "label", "log2_odds_ratio", "fisher_q", "neg_log10_fisher_q", "q_zero_drawn_at_cap", "group"],
            volcano.Points.Select(p => (IReadOnlyList<object?>)[p.Feature, p.Label, p.Log2OddsRatio, p.FisherQ, p.Height, p.Capped, p.Group]));
}
