using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SaeExplorer.Core.Analysis.Tables;
using SaeExplorer.Reports.Json;

namespace SaeExplorer.Reports.Tables;

/// <summary>
/// Writes a <see cref="Table"/> as CSV, JSON or a LaTeX booktabs table, in the invariant culture whatever the
/// machine's locale. CSV and JSON keep numbers in full (the shortest text that reads back to the same value); LaTeX
/// rounds them for readers (see <see cref="ToLatex"/>).
/// </summary>
public static class TableExporter
{
    /// <summary>
    /// RFC 4180: a header line, CRLF line ends, and fields that hold a comma, a double quote, CR or LF wrapped in
    /// double quotes with inner quotes doubled. Null is an empty field; bools are <c>true</c>/<c>false</c>; non-finite
    /// numbers are <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.
    /// </summary>
    public static string ToCsv(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        AppendCsvLine(sb, table.Headers);
        foreach (var row in table.Rows) AppendCsvLine(sb, row.Select(FormatPlain));
        return sb.ToString();
    }

    /// <summary>
    /// A JSON array with one object per row, keys in column order. Numbers stay numbers, null stays null; a
    /// non-finite number (which JSON cannot hold) is written as null.
    /// </summary>
    public static string ToJson(Table table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var rows = table.Rows.Select(row =>
        {
            var json = new OrderedDictionary<string, TableCellJson>(row.Count, StringComparer.Ordinal);
            for (var i = 0; i < row.Count; i++)
                json.Add(table.Headers[i], new TableCellJson(row[i]));
            return json;
        }).ToArray();
        return ReportsJsonContext.FileText<IReadOnlyList<OrderedDictionary<string, TableCellJson>>>(rows, ReportsJsonContext.Default.IReadOnlyListOrderedDictionaryStringTableCellJson);
    }

    /// <summary>
    /// The table for a paper, laid out by <see cref="LatexTable.Write"/>: up to <see cref="LatexTable.MaxTabularRows"/>
    /// rows a booktabs <c>tabular</c> (in a <c>table</c> float when there is a caption or label), more rows a
    /// <c>longtable</c> with its header repeated on each page; every row is kept (the dashboard's filters and the
    /// CLI's choice of rows decide what a table holds). The output opens with a comment naming the packages it needs.
    /// A label always comes with a caption: without one, the caption is made from the label's key.
    /// Numeric columns are right-aligned, others left-aligned; text is escaped (<see cref="LatexText.Escape"/>).
    /// Integers are written exactly; other numbers are rounded to three significant digits
    /// (<see cref="LatexText.Number"/>: 0.7343999999999999 is <c>0.734</c>, 2.7e-16 is <c>$2.7\times10^{-16}$</c>);
    /// in a p- or q-value column (a header with the word p, q, pvalue or qvalue, e.g. <c>fisher_q</c>,
    /// <c>wilcoxon_p</c>, <c>p value</c>) they are written by <see cref="LatexText.PValue"/>. NaN is <c>--</c>, the
    /// infinities <c>$\infty$</c> and <c>$-\infty$</c>, a minus sign is a math minus. The CSV and JSON keep full precision.
    /// </summary>
    public static string ToLatex(Table table, string? caption = null, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var columns = string.Concat(Enumerable.Range(0, table.Headers.Count).Select(i => table.IsNumericColumn(i) ? 'r' : 'l'));
        var pValues = table.Headers.Select(IsPValueHeader).ToArray();
        var rows = table.Rows.Select(row => (IReadOnlyList<string>)row.Select((cell, i) => FormatLatex(cell, pValues[i])).ToArray()).ToArray();
        return LatexTable.Write(columns, table.Headers.Select(LatexText.Escape).ToArray(), rows, caption, label);
    }

    /// <summary>Writes CSV, JSON or LaTeX, chosen by the extension of <paramref name="path"/> (.csv, .json, .tex).</summary>
    public static void Save(Table table, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var text = extension switch
        {
            ".csv" => ToCsv(table),
            ".json" => ToJson(table),
            ".tex" => ToLatex(table),
            _ => throw new ArgumentException($"'{path}': tables are saved as .csv, .json or .tex, not '{extension}'.", nameof(path)),
        };
        Core.Exports.AtomicFile.WriteAllText(path, text);
    }

    private static void AppendCsvLine(StringBuilder sb, IEnumerable<string> fields)
    {
        var first = true;
        foreach (var field in fields)
        {
            if (!first) sb.Append(',');
            first = false;
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
                sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            else
                sb.Append(field);
        }
        sb.Append("\r\n");
    }

    private static string FormatPlain(object? cell) => cell switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"unexpected cell type {cell.GetType().Name}."),
    };

    private static string FormatLatex(object? cell, bool pValue) => cell switch
    {
        null => "",
        string s => LatexText.Escape(s),
        bool b => b ? "true" : "false",
        // A float's shortest text is the decimal it stands for (0.1f, not 0.100000001490116), which the rounding should see.
        float f => Measured(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), pValue),
        Half h => Measured(double.Parse(h.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), pValue),
        double or decimal => Measured(Convert.ToDouble(cell, CultureInfo.InvariantCulture), pValue),
        IFormattable integer => LatexText.Integer(integer),
        _ => throw new InvalidOperationException($"unexpected cell type {cell.GetType().Name}."),
    };

    private static string Measured(double value, bool pValue) => pValue ? LatexText.PValue(value) : LatexText.Number(value);

    /// <summary>True for a header that names a p- or q-value: one of its words (split at anything not a letter or digit) is p, q, pvalue or qvalue.</summary>
    private static bool IsPValueHeader(string header) =>
        Regex.Split(header.ToLowerInvariant(), "[^a-z0-9]+").Any(w => w is "p" or "q" or "pvalue" or "qvalue");
}
