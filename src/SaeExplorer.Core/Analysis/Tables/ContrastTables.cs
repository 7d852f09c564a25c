using System.Globalization;
using System.Text;

namespace SaeExplorer.Core.Analysis.Tables;

/// <summary>CSV and LaTeX renderings of a <see cref="ContrastStatisticsReport"/>.</summary>
public static class ContrastTables
{
    /// <summary>The CSV columns, in order.</summary>
    public static readonly IReadOnlyList<string> CsvColumns =
    [
        "feature", "active_a", "active_b", "presence_rate_a", "presence_rate_b", "presence_difference", "log2_odds_ratio",
        "fisher_p", "fisher_q", "mean_a", "mean_b", "mean_difference", "max_a", "max_b",
        "mann_whitney_u_a", "mann_whitney_z", "mann_whitney_p", "mann_whitney_q", "mann_whitney_method", "rank_biserial",
        "sign_topics_more_a", "sign_topics_more_b", "sign_p", "sign_q",
        "wilcoxon_t_plus", "wilcoxon_t_minus", "wilcoxon_nonzero", "wilcoxon_z", "wilcoxon_p", "wilcoxon_q",
        "presence_separation", "magnitude_separation",
    ];

    /// <summary>
    /// One row per tested latent in the report's order (Fisher q, then Fisher p, …), RFC 4180 with "\n" line ends;
    /// numbers in invariant round-trip form; the paired columns are empty when the report has no pairing.
    /// </summary>
    public static string ToCsv(ContrastStatisticsReport report)
    {
        var sb = new StringBuilder();
        sb.Append(string.Join(',', CsvColumns)).Append('\n');
        foreach (var f in report.Features)
        {
            var cells = new List<string>
            {
                Int(f.Feature), Int(f.ActiveA), Int(f.ActiveB), Num(f.PresenceRateA), Num(f.PresenceRateB), Num(f.PresenceDifference),
                Num(f.Log2OddsRatio), Num(f.FisherP), Num(f.FisherQ), Num(f.MeanA), Num(f.MeanB), Num(f.MeanDifference),
                Num(f.MaxA), Num(f.MaxB), Num(f.MannWhitneyUA), Num(f.MannWhitneyZ), Num(f.MannWhitneyP), Num(f.MannWhitneyQ),
                f.MannWhitneyMethod.ToString().ToLowerInvariant(), Num(f.RankBiserial),
            };
            if (f.Paired is { } p)
            {
                cells.AddRange([
                    Int(p.TopicsMoreActiveA), Int(p.TopicsMoreActiveB), Num(p.SignP), Num(p.SignQ),
                    Num(p.WilcoxonTPlus), Num(p.WilcoxonTMinus), Int(p.WilcoxonNonZero), Num(p.WilcoxonZ), Num(p.WilcoxonP), Num(p.WilcoxonQ),
                ]);
            }
            else
            {
                cells.AddRange(Enumerable.Repeat("", 10));
            }
            cells.Add(ContrastStatistics.SideName(f.PresenceSeparation));
            cells.Add(ContrastStatistics.SideName(f.MagnitudeSeparation));
            sb.Append(string.Join(',', cells)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// A booktabs table of the first <paramref name="top"/> latents in report order: presence rates, log₂ odds ratio,
    /// Fisher q, mean difference, rank-biserial r and Mann–Whitney q, laid out by <see cref="LatexTable.Write"/> (a
    /// <c>table</c> float with the caption above, or a <c>longtable</c> past <see cref="LatexTable.MaxTabularRows"/>
    /// rows; the first line names the packages needed). Percentages have one decimal, log₂ OR and r two, q-values are
    /// written by <see cref="LatexText.PValue"/> and the mean difference to three significant digits, since activation
    /// scales differ between SAEs. Condition names and the caption are escaped; the label is checked by <see cref="LatexText.Label"/>.
    /// </summary>
    public static string ToLatex(ContrastStatisticsReport report, int top = 20, string? caption = null, string? label = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        string a = LatexText.Escape(report.A.Name);
        string b = LatexText.Escape(report.B.Name);
        caption ??= $"Latents that differ most between {report.A.Name} ({report.A.PromptCount} prompts) and {report.B.Name} ({report.B.PromptCount} prompts), by Fisher q (Benjamini--Hochberg over {report.FeatureCount.ToString("N0", CultureInfo.InvariantCulture)} latents).";
        string[] header = ["Latent", $"\\% active {a}", $"\\% active {b}", "$\\log_2$ OR", "Fisher $q$", "$\\Delta$ mean", "$r_{rb}$", "MW $q$"];
        var rows = report.Features.Take(top).Select(f => (IReadOnlyList<string>)
        [
            Int(f.Feature), LatexText.Fixed(100 * f.PresenceRateA, 1), LatexText.Fixed(100 * f.PresenceRateB, 1), LatexText.Fixed(f.Log2OddsRatio, 2),
            LatexText.PValue(f.FisherQ), LatexText.Number(f.MeanDifference), LatexText.Fixed(f.RankBiserial, 2), LatexText.PValue(f.MannWhitneyQ),
        ]).ToList();
        return LatexTable.Write("rrrrrrrr", header, rows, caption, label);
    }

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
