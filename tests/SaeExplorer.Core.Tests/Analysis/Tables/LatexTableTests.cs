using SaeExplorer.Core.Analysis.Tables;

namespace SaeExplorer.Core.Tests.Analysis.Tables;

public sealed class LatexTableTests
{
    private static readonly string[] Header = ["a", "b"];

    private static IReadOnlyList<string>[] Rows(int count) =>
        Enumerable.Range(1, count).Select(i => (IReadOnlyList<string>)[i.ToString(System.Globalization.CultureInfo.InvariantCulture), "x"]).ToArray();

    [Fact]
    public void Without_a_caption_it_is_a_bare_tabular_to_input_into_ones_own_float()
    {
        Assert.Equal(
            "% needs \\usepackage{booktabs}\n" +
            "\\begin{tabular}{rl}\n\\toprule\na & b \\\\\n\\midrule\n1 & x \\\\\n2 & x \\\\\n\\bottomrule\n\\end{tabular}\n",
            LatexTable.Write("rl", Header, Rows(2)));
    }

    [Fact]
    public void A_label_without_a_caption_gets_one_made_from_its_key()
    {
        Assert.Equal(
            "% needs \\usepackage{booktabs}\n" +
            "\\begin{table}[t]\n\\centering\n\\caption{Contrast novice vs expert}\\label{tab:contrast_novice_vs_expert}\n" +
            "\\begin{tabular}{rl}\n\\toprule\na & b \\\\\n\\midrule\n1 & x \\\\\n\\bottomrule\n\\end{tabular}\n\\end{table}\n",
            LatexTable.Write("rl", Header, Rows(1), label: "tab:contrast_novice_vs_expert"));
        Assert.Contains("\\caption{Condition counts}\\label{tab:condition-counts}\n", LatexTable.Write("rl", Header, Rows(1), label: "tab:condition-counts"));
    }

    [Fact]
    public void Forty_rows_fit_a_tabular_and_forty_one_make_a_longtable()
    {
        Assert.Contains("\\begin{tabular}", LatexTable.Write("rl", Header, Rows(LatexTable.MaxTabularRows), caption: "C"));
        var tex = LatexTable.Write("rl", Header, Rows(LatexTable.MaxTabularRows + 1), caption: "Fifty% of it", label: "tab:long");
        Assert.Equal(
            "% needs \\usepackage{booktabs,longtable}\n" +
            "\\begin{longtable}{rl}\n" +
            "\\caption{Fifty\\% of it}\\label{tab:long}\\\\\n" +
            "\\toprule\na & b \\\\\n\\midrule\n\\endfirsthead\n" +
            "\\caption[]{(continued)}\\\\\n" +
            "\\toprule\na & b \\\\\n\\midrule\n\\endhead\n" +
            "\\midrule\n\\multicolumn{2}{r}{\\footnotesize continued on next page} \\\\\n\\endfoot\n" +
            "\\bottomrule\n\\endlastfoot\n" +
            "1 & x \\\\\n",
            tex[..(tex.IndexOf("2 & x", StringComparison.Ordinal))]);
        Assert.EndsWith("41 & x \\\\\n\\end{longtable}\n", tex);
        Assert.DoesNotContain("\\begin{table}", tex);
    }

    [Fact]
    public void A_longtable_without_a_caption_still_repeats_its_header()
    {
        var tex = LatexTable.Write("rl", Header, Rows(50));
        Assert.DoesNotContain("\\caption", tex);
        Assert.Equal(2, tex.Split('\n').Count(l => l == "a & b \\\\"));
        Assert.Contains("\\endfirsthead\n\\toprule\na & b \\\\\n\\midrule\n\\endhead\n", tex);
    }

    [Fact]
    public void Ragged_rows_and_bad_labels_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LatexTable.Write("rl", Header, [["1"]]));
        Assert.Throws<ArgumentException>(() => LatexTable.Write("rl", Header, Rows(1), caption: "C", label: "tab:a b"));
    }
}
