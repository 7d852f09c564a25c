using System.Globalization;
using System.Text.Json;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Reports.Tests;

public sealed class TableExporterTests
{
    private static Table Sample() => new(
        ["condition", "mean", "n", "note"],
        [
            ["novice", 131.5, 50, null],
            ["expert, \"pro\"", -0.25, 50L, "line1\nline2"],
            ["a_b & 50% $x$ #1 {y} ~z ^w \\q", 1e-5, 0, true],
        ]);

    [Fact]
    public void Csv_follows_rfc_4180()
    {
        var csv = TableExporter.ToCsv(Sample());
        Assert.Equal(
            "condition,mean,n,note\r\n" +
            "novice,131.5,50,\r\n" +
            "\"expert, \"\"pro\"\"\",-0.25,50,\"line1\nline2\"\r\n" +
            "a_b & 50% $x$ #1 {y} ~z ^w \\q,1E-05,0,true\r\n",
            csv);
    }

    [Fact]
    public void Csv_numbers_ignore_the_current_culture()
    {
        var saved = CultureInfo.CurrentCulture;
        try
        {
            // InvariantGlobalization limits which cultures exist, so build one whose decimal separator is a comma.
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            Assert.Equal("x\r\n0.1\r\n", TableExporter.ToCsv(new Table(["x"], [[0.1]])));
            Assert.Equal("x\r\n0.1\r\n", TableExporter.ToCsv(new Table(["x"], [[0.1f]])));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Fact]
    public void Csv_quotes_carriage_returns_and_leading_quotes()
    {
        Assert.Equal("h\r\n\"a\rb\"\r\n\"\"\"q\"\r\n", TableExporter.ToCsv(new Table(["h"], [["a\rb"], ["\"q"]])));
    }

    [Fact]
    public void Json_round_trips_every_cell()
    {
        var table = Sample();
        using var doc = JsonDocument.Parse(TableExporter.ToJson(table));
        var rows = doc.RootElement.EnumerateArray().ToArray();
        Assert.Equal(table.Rows.Count, rows.Length);
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal(table.Headers, rows[r].EnumerateObject().Select(p => p.Name));
            for (var c = 0; c < table.Headers.Count; c++)
            {
                var element = rows[r].GetProperty(table.Headers[c]);
                object? value = element.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => element.GetString(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Number => element.GetDouble(),
                    _ => throw new InvalidOperationException(element.ValueKind.ToString()),
                };
                var original = table.Rows[r][c];
                Assert.Equal(original is int or long or double ? Convert.ToDouble(original, CultureInfo.InvariantCulture) : original, value);
            }
        }
    }

    [Fact]
    public void Json_writes_non_finite_numbers_as_null()
    {
        using var doc = JsonDocument.Parse(TableExporter.ToJson(new Table(["x", "y"], [[double.NaN, float.PositiveInfinity]])));
        Assert.Equal(JsonValueKind.Null, doc.RootElement[0].GetProperty("x").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement[0].GetProperty("y").ValueKind);
    }

    [Fact]
    public void Latex_is_a_booktabs_tabular_with_numeric_columns_right_aligned_and_text_escaped()
    {
        var table = new Table(["condition", "mean_count", "delta"], [["novice", 131.5, -2.25], ["expert & guru", 142.0, null]]);
        Assert.Equal(
            "% needs \\usepackage{booktabs}\n" +
            "\\begin{tabular}{lrr}\n" +
            "\\toprule\n" +
            "condition & mean\\_count & delta \\\\\n" +
            "\\midrule\n" +
            "novice & 132 & $-$2.25 \\\\\n" +
            "expert \\& guru & 142 &  \\\\\n" +
            "\\bottomrule\n" +
            "\\end{tabular}\n",
            TableExporter.ToLatex(table));
    }

    [Fact]
    public void Latex_rounds_to_three_significant_digits_and_typesets_p_and_q_values()
    {
        var table = new Table(
            ["feature", "mean", "fisher_q", "p value", "n", "ok"],
            [
                [7, 0.7343999999999999, 2.7e-16, 0.0490, -12, true],
                [8, 12345.678, 0.0, 0.000999999, 1234567890123L, false],
                [9, -2.7e-16, double.NaN, 1.0, 0, null],
                [10, double.PositiveInfinity, 0.5, 3e-7, 5, null],
                [11, double.NegativeInfinity, 1e-5, 0.0012, 6, null],
                [12, 0.1f, 0.25m, 0.0, 7, null],
            ]);
        Assert.Equal(
            "% needs \\usepackage{booktabs}\n" +
            "\\begin{tabular}{rrrrrl}\n" +
            "\\toprule\n" +
            "feature & mean & fisher\\_q & p value & n & ok \\\\\n" +
            "\\midrule\n" +
            "7 & 0.734 & $2.7\\times10^{-16}$ & 0.049 & $-$12 & true \\\\\n" +
            "8 & 12346 & $<10^{-300}$ & $1.0\\times10^{-3}$ & 1234567890123 & false \\\\\n" +
            "9 & $-2.7\\times10^{-16}$ & -- & 1.000 & 0 &  \\\\\n" +
            "10 & $\\infty$ & 0.500 & $3\\times10^{-7}$ & 5 &  \\\\\n" +
            "11 & $-\\infty$ & $1\\times10^{-5}$ & 0.001 & 6 &  \\\\\n" +
            "12 & 0.1 & 0.250 & $<10^{-300}$ & 7 &  \\\\\n" +
            "\\bottomrule\n" +
            "\\end{tabular}\n",
            TableExporter.ToLatex(table));
        // Half, like float, is rounded from the decimal it stands for.
        Assert.Contains("\\midrule\n0.1 \\\\\n", TableExporter.ToLatex(new Table(["x"], [[(Half)0.1]])));
    }

    [Fact]
    public void Latex_float_has_the_caption_and_label_together_above_the_tabular()
    {
        var table = new Table(["n", "mean"], [[50, 131.456], [7, double.PositiveInfinity]]);
        Assert.Equal(
            "% needs \\usepackage{booktabs}\n" +
            "\\begin{table}[t]\n" +
            "\\centering\n" +
            "\\caption{Active features (95\\% CI)}\\label{tab:active-features}\n" +
            "\\begin{tabular}{rr}\n" +
            "\\toprule\n" +
            "n & mean \\\\\n" +
            "\\midrule\n" +
            "50 & 131 \\\\\n" +
            "7 & $\\infty$ \\\\\n" +
            "\\bottomrule\n" +
            "\\end{tabular}\n" +
            "\\end{table}\n",
            TableExporter.ToLatex(table, caption: "Active features (95% CI)", label: "tab:active-features"));
        Assert.Throws<ArgumentException>(() => TableExporter.ToLatex(table, label: "tab:a b"));
    }

    [Fact]
    public void Latex_label_without_a_caption_gets_a_caption_from_the_stem()
    {
        // The dashboard's export passes "tab:" + the file stem and often no caption.
        var tex = TableExporter.ToLatex(new Table(["x"], [[1]]), caption: null, label: "tab:contrast_novice_vs_expert");
        Assert.Contains("\\begin{table}[t]\n\\centering\n\\caption{Contrast novice vs expert}\\label{tab:contrast_novice_vs_expert}\n\\begin{tabular}{r}\n", tex);
        Assert.Equal(1, tex.Split("\\label", StringSplitOptions.None).Length - 1);
    }

    [Fact]
    public void Latex_of_331_rows_is_a_longtable_with_the_header_repeated_on_every_page()
    {
        // The Compare page's differential export of a whole contrast: 331 latents.
        var table = new Table(["feature", "label", "log2_odds_ratio", "fisher_q"],
            Enumerable.Range(0, 331).Select(i => (IReadOnlyList<object?>)[i, i == 0 ? "50% & more" : null, 2.0 / (i + 3), (i + 1) * 1e-9]));
        var tex = TableExporter.ToLatex(table, "Features that differ between novice and expert (mean pooling).", "tab:differential");
        var head =
            "% needs \\usepackage{booktabs,longtable}\n" +
            "\\begin{longtable}{rlrr}\n" +
            "\\caption{Features that differ between novice and expert (mean pooling).}\\label{tab:differential}\\\\\n" +
            "\\toprule\n" +
            "feature & label & log2\\_odds\\_ratio & fisher\\_q \\\\\n" +
            "\\midrule\n" +
            "\\endfirsthead\n" +
            "\\caption[]{(continued)}\\\\\n" +
            "\\toprule\n" +
            "feature & label & log2\\_odds\\_ratio & fisher\\_q \\\\\n" +
            "\\midrule\n" +
            "\\endhead\n" +
            "\\midrule\n" +
            "\\multicolumn{4}{r}{\\footnotesize continued on next page} \\\\\n" +
            "\\endfoot\n" +
            "\\bottomrule\n" +
            "\\endlastfoot\n" +
            "0 & 50\\% \\& more & 0.667 & $1\\times10^{-9}$ \\\\\n" +
            "1 &  & 0.5 & $2\\times10^{-9}$ \\\\\n";
        Assert.StartsWith(head, tex);
        Assert.EndsWith("330 &  & 0.00601 & $3.3\\times10^{-7}$ \\\\\n\\end{longtable}\n", tex);
        Assert.Equal(331 + 2, tex.Split('\n').Count(l => l.EndsWith(" \\\\", StringComparison.Ordinal) && !l.StartsWith("\\multicolumn", StringComparison.Ordinal)));
        Assert.DoesNotContain("\\begin{table}", tex);
    }

    [Fact]
    public void Tables_refuse_ragged_rows_repeated_headers_and_unknown_cell_types()
    {
        Assert.Throws<ArgumentException>(() => new Table(["a", "b"], [["x"]]));
        Assert.Throws<ArgumentException>(() => new Table(["a", "a"], [["x", "y"]]));
        Assert.Throws<ArgumentException>(() => new Table([], []));
        var bad = Assert.Throws<ArgumentException>(() => new Table(["a"], [[new DateTime(2026, 1, 1)]]));
        Assert.Contains("DateTime", bad.Message);
    }

    [Fact]
    public void Save_writes_the_format_of_the_extension()
    {
        var dir = Directory.CreateTempSubdirectory("saex-table-").FullName;
        try
        {
            var table = Sample();
            TableExporter.Save(table, Path.Combine(dir, "t.csv"));
            TableExporter.Save(table, Path.Combine(dir, "t.json"));
            TableExporter.Save(table, Path.Combine(dir, "t.tex"));
            Assert.Equal(TableExporter.ToCsv(table), File.ReadAllText(Path.Combine(dir, "t.csv")));
            Assert.Equal(TableExporter.ToJson(table), File.ReadAllText(Path.Combine(dir, "t.json")));
            Assert.Equal(TableExporter.ToLatex(table), File.ReadAllText(Path.Combine(dir, "t.tex")));
            // No byte-order mark: LaTeX and many CSV readers take it for content.
            Assert.NotEqual(0xEF, File.ReadAllBytes(Path.Combine(dir, "t.csv"))[0]);
            Assert.Throws<ArgumentException>(() => TableExporter.Save(table, Path.Combine(dir, "t.xlsx")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
