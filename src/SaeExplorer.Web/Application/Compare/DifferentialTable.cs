using SaeExplorer.Core.Analysis;
using SaeExplorer.Reports.Tables;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>One latent of the differential table as the Compare page shows it.</summary>
/// <param name="Explanation">The latent's newest LLM explanation, or null.</param>
/// <param name="Log2OddsRatio">Effect size of presence (log₂ odds ratio of being active, A over B).</param>
/// <param name="RankBiserial">Effect size of magnitude (rank-biserial r of Mann–Whitney, positive when A is larger).</param>
/// <param name="Separation">"a" or "b" when the latent is active in every prompt of that side and none of the other, else "none".</param>
public sealed record DifferentialRow(
    int Feature,
    string? Label,
    ExplanationSummary? Explanation,
    double PresenceRateA,
    double PresenceRateB,
    double MeanA,
    double MeanB,
    double Log2OddsRatio,
    double RankBiserial,
    double FisherP,
    double FisherQ,
    double MannWhitneyQ,
    string Separation);

/// <summary>
/// The Compare page's differential table: the tested latents of a <see cref="ContrastStatisticsReport"/> in its order
/// (Fisher q first), filtered by a q threshold, and the same rows as an exportable table whose columns are named as in
/// <c>saex stats</c>'s CSV, so a download matches what is on screen; beside the label, the newest explanation and its
/// detection score (balanced accuracy), which the screen shows in the label's cell.
/// </summary>
public static class DifferentialTable
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "feature", "label", "explanation", "explanation_detection", "presence_rate_a", "presence_rate_b", "mean_a", "mean_b",
        "log2_odds_ratio", "rank_biserial", "fisher_p", "fisher_q", "mann_whitney_q", "presence_separation",
    ];

    /// <summary>Rows whose Fisher or Mann–Whitney q is at most <paramref name="maxQ"/> (1 keeps every tested latent).</summary>
    public static IReadOnlyList<DifferentialRow> Rows(ContrastStatisticsReport report, IReadOnlyDictionary<int, string> labels,
        IReadOnlyDictionary<int, ExplanationSummary> explanations, double maxQ)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxQ);
        return report.Features
            .Where(f => Math.Min(f.FisherQ, f.MannWhitneyQ) <= maxQ)
            .Select(f => new DifferentialRow(f.Feature, labels.GetValueOrDefault(f.Feature), explanations.GetValueOrDefault(f.Feature),
                f.PresenceRateA, f.PresenceRateB, f.MeanA, f.MeanB, f.Log2OddsRatio, f.RankBiserial, f.FisherP, f.FisherQ, f.MannWhitneyQ, ContrastStatistics.SideName(f.PresenceSeparation)))
            .ToList();
    }

    public static Table ToTable(IReadOnlyList<DifferentialRow> rows) =>
        new(Columns, rows.Select(r => (IReadOnlyList<object?>)
            [r.Feature, r.Label, r.Explanation?.Text, r.Explanation?.Detection, r.PresenceRateA, r.PresenceRateB, r.MeanA, r.MeanB,
                r.Log2OddsRatio, r.RankBiserial, r.FisherP, r.FisherQ, r.MannWhitneyQ, r.Separation]));
}
