using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Analysis.Tables;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Core.Tests.Analysis.Tables;

public sealed class ContrastTablesTests
{
    private static PooledPrompt P(string condition, string topic, params (int Feature, float Value)[] active) =>
        new($"{condition}/{topic}", condition, topic, new SparseVector(4, active.Select(a => a.Feature).ToArray(), active.Select(a => a.Value).ToArray()));

    // Latent 2 in every "a_b & c" prompt, never in "plain": Fisher [[3, 0], [0, 3]] p = 2/20 = 0.1, the smallest.
    private static readonly PooledPrompt[] Prompts =
    [
        P("a_b & c", "t1", (2, 1f)), P("a_b & c", "t2", (2, 2f), (3, 1f)), P("a_b & c", "t3", (2, 3f)),
        P("plain", "t1", (0, 1f)), P("plain", "t2", (3, 1f)), P("plain", "t3"),
    ];

    [Fact]
    public void Csv_has_every_column_and_report_order()
    {
        var report = ContrastStatistics.Compute(Prompts, new Contrast("a_b & c", "plain"));
        var lines = ContrastTables.ToCsv(report).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', ContrastTables.CsvColumns), lines[0]);
        Assert.Equal(1 + report.TestedCount, lines.Length);
        Assert.Equal(3, report.TestedCount);
        var first = lines[1].Split(',');
        Assert.Equal(ContrastTables.CsvColumns.Count, first.Length);
        Assert.Equal("2", first[0]);
        Assert.Equal("3", first[1]);
        Assert.Equal("0", first[2]);
        // Fisher p = 2/C(6,3) = 0.1 (round-trip formatting).
        Assert.Equal(0.1, double.Parse(first[7], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal("a", first[^2]);
        Assert.Equal("a", first[^1]);
        // Sorted by Fisher q then p: the rows' q column never decreases.
        var q = lines.Skip(1).Select(l => double.Parse(l.Split(',')[8], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(q.Order(), q);
    }

    [Fact]
    public void Latex_is_booktabs_and_escaped()
    {
        var report = ContrastStatistics.Compute(Prompts, new Contrast("a_b & c", "plain"));
        var tex = ContrastTables.ToLatex(report, top: 2, label: "tab:contrast");
        Assert.Contains("\\toprule", tex);
        Assert.Contains("\\midrule", tex);
        Assert.Contains("\\bottomrule", tex);
        Assert.Contains("\\% active a\\_b \\& c", tex);
        Assert.DoesNotContain("a_b & c", tex);
        Assert.Contains("\\caption{Latents that differ most between a\\_b \\& c (3 prompts) and plain (3 prompts), by Fisher q (Benjamini--Hochberg over 4 latents).}\\label{tab:contrast}\n\\begin{tabular}", tex);
        Assert.StartsWith("% needs \\usepackage{booktabs}\n\\begin{table}[t]\n", tex);
        // Header + 2 rows end with \\.
        Assert.Equal(3, tex.Split('\n').Count(l => l.EndsWith("\\\\", StringComparison.Ordinal)));
        Assert.Equal("2 & 100.0 & 0.0 & 5.61 & 0.400 & 2 & 1.00 & 0.254 \\\\", tex.Split('\n').First(l => l.StartsWith("2 &", StringComparison.Ordinal)));
    }
}
