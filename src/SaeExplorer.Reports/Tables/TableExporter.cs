using System.Globalization;
using System.Text;
using SaeExplorer.Reports.Json;

namespace SaeExplorer.Reports.Tables;

/// <summary>
/// Writes a <see cref="Table"/> as CSV, JSON or a LaTeX booktabs tabular. Numbers are written in the invariant
/// culture with the shortest text that reads back to the same value, whatever the machine's locale.
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
    /// A booktabs <c>tabular</c> (needs <c>\usepackage{booktabs}</c>), wrapped in a <c>table</c> float when a caption
    /// or label is given. Numeric columns are right-aligned, others left-aligned. Text is escaped so that
    /// <c>&amp; % $ # _ { } ~ ^ \</c> (and <c>&lt; &gt; |</c>, which the default OT1 encoding misprints) print as
    /// themselves; a minus sign is typeset as math minus.
    /// </summary>
    /// <param name="numberFormat">.NET format for floating-point and decimal cells (e.g. <c>"0.00"</c>); null writes them in full.</param>
    public static string ToLatex(Table table, string? caption = null, string? label = null, string? numberFormat = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        var floating = caption is not null || label is not null;
        if (floating)
        {
            sb.Append("\\begin{table}[t]\n\\centering\n");
            if (caption is not null) sb.Append("\\caption{").Append(EscapeLatex(caption)).Append("}\n");
            // A label is a key, not text: LaTeX would choke on escapes inside \label, so only safe characters pass.
            if (label is not null) sb.Append("\\label{").Append(CheckLabel(label)).Append("}\n");
        }
        var columns = string.Concat(Enumerable.Range(0, table.Headers.Count).Select(i => table.IsNumericColumn(i) ? 'r' : 'l'));
        sb.Append("\\begin{tabular}{").Append(columns).Append("}\n\\toprule\n");
        sb.Append(string.Join(" & ", table.Headers.Select(EscapeLatex))).Append(" \\\\\n\\midrule\n");
        foreach (var row in table.Rows)
            sb.Append(string.Join(" & ", row.Select(cell => FormatLatex(cell, numberFormat)))).Append(" \\\\\n");
        sb.Append("\\bottomrule\n\\end{tabular}\n");
        if (floating) sb.Append("\\end{table}\n");
        return sb.ToString();
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

    /// <summary>Escapes text for LaTeX's text mode.</summary>
    public static string EscapeLatex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '&' => "\\&",
                '%' => "\\%",
                '$' => "\\$",
                '#' => "\\#",
                '_' => "\\_",
                '{' => "\\{",
                '}' => "\\}",
                '~' => "\\textasciitilde{}",
                '^' => "\\textasciicircum{}",
                '\\' => "\\textbackslash{}",
                '<' => "\\textless{}",
                '>' => "\\textgreater{}",
                '|' => "\\textbar{}",
                // A line break would end the row in the source; inside a cell it is just a space.
                '\r' or '\n' => " ",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
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

    private static string FormatLatex(object? cell, string? numberFormat)
    {
        switch (cell)
        {
            case null:
                return "";
            case string s:
                return EscapeLatex(s);
            case bool b:
                return b ? "true" : "false";
        }
        var value = Convert.ToDouble(cell, CultureInfo.InvariantCulture);
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "$\\infty$";
        if (double.IsNegativeInfinity(value)) return "$-\\infty$";
        var text = numberFormat is not null && cell is float or double or decimal or Half
            ? ((IFormattable)cell).ToString(numberFormat, CultureInfo.InvariantCulture)
            : FormatPlain(cell);
        // "-" in text mode is a hyphen; a number's sign should be a minus. Exponents ("1E-05") are escaped alike.
        return EscapeLatex(text).Replace("-", "$-$", StringComparison.Ordinal);
    }

    private static string CheckLabel(string label)
    {
        if (label.Length == 0 || !label.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '.' or '/'))
            throw new ArgumentException($"LaTeX label '{label}' may hold only ASCII letters, digits and : - . /", nameof(label));
        return label;
    }
}
