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

    [Theory]
    [InlineData("&", "\\&")]
    [InlineData("%", "\\%")]
    [InlineData("$", "\\$")]
    [InlineData("#", "\\#")]
    [InlineData("_", "\\_")]
    [InlineData("{", "\\{")]
    [InlineData("}", "\\}")]
    [InlineData("~", "\\textasciitilde{}")]
    [InlineData("^", "\\textasciicircum{}")]
    [InlineData("\\", "\\textbackslash{}")]
    [InlineData("<>|", "\\textless{}\\textgreater{}\\textbar{}")]
    [InlineData("a\nb", "a b")]
    [InlineData("novice_vs_expert: 50% & more", "novice\\_vs\\_expert: 50\\% \\& more")]
    [InlineData("\\textbf{x}", "\\textbackslash{}textbf\\{x\\}")]
    public void Latex_escapes_special_characters(string text, string expected)
    {
        Assert.Equal(expected, TableExporter.EscapeLatex(text));
    }

    [Fact]
    public void Latex_is_a_booktabs_tabular_with_numeric_columns_right_aligned()
    {
        var table = new Table(["condition", "mean_count", "delta"], [["novice", 131.5, -2.25], ["expert & guru", 142.0, null]]);
        Assert.Equal(
            "\\begin{tabular}{lrr}\n" +
            "\\toprule\n" +
            "condition & mean\\_count & delta \\\\\n" +
            "\\midrule\n" +
            "novice & 131.5 & $-$2.25 \\\\\n" +
            "expert \\& guru & 142 &  \\\\\n" +
            "\\bottomrule\n" +
            "\\end{tabular}\n",
            TableExporter.ToLatex(table));
    }

    [Fact]
    public void Latex_float_has_escaped_caption_label_and_formatted_numbers()
    {
        var table = new Table(["n", "mean"], [[50, 131.456], [7, double.PositiveInfinity]]);
        var tex = TableExporter.ToLatex(table, caption: "Active features (95% CI)", label: "tab:active-features", numberFormat: "0.0");
        Assert.StartsWith("\\begin{table}[t]\n\\centering\n\\caption{Active features (95\\% CI)}\n\\label{tab:active-features}\n\\begin{tabular}{rr}\n", tex);
        Assert.Contains("50 & 131.5 \\\\\n", tex);
        Assert.Contains("7 & $\\infty$ \\\\\n", tex);
        Assert.EndsWith("\\end{tabular}\n\\end{table}\n", tex);
        Assert.Throws<ArgumentException>(() => TableExporter.ToLatex(table, label: "tab:a b"));
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
