using System.Globalization;
using System.Text;

namespace SaeExplorer.Core.Analysis.Tables;

/// <summary>
/// Lays out already-typeset cells as a booktabs table: the one owner of the environments, the caption with its label,
/// and the package line, for <see cref="ContrastTables"/> and the Reports table exporter.
/// </summary>
public static class LatexTable
{
    /// <summary>
    /// The most rows written as a <c>tabular</c>; a longer table would run off the page of a float, so it becomes a
    /// <c>longtable</c> that breaks across pages with its header repeated.
    /// </summary>
    public const int MaxTabularRows = 40;

    /// <summary>
    /// The table as LaTeX source, opening with a comment that names the packages it needs. Up to
    /// <see cref="MaxTabularRows"/> rows: a <c>tabular</c> (needs <c>\usepackage{booktabs}</c>), wrapped in a
    /// <c>table</c> float with the caption above it when there is a caption, bare otherwise so that it can be
    /// <c>\input</c> into one's own float. More rows: a <c>longtable</c> (needs <c>\usepackage{booktabs,longtable}</c>;
    /// it is its own environment and cannot go inside a float), whose header is repeated on every page, with the
    /// caption and label inside it and "continued" under each page but the last.
    /// </summary>
    /// <param name="columns">The column specification, e.g. <c>lrr</c>.</param>
    /// <param name="header">The header cells, already LaTeX.</param>
    /// <param name="rows">The body cells, already LaTeX.</param>
    /// <param name="caption">Plain text (escaped here).</param>
    /// <param name="label">
    /// A <c>\label</c> key (see <see cref="LatexText.Label"/>). A label needs a caption to refer to, so a label without
    /// a caption gets one made from the key: <c>tab:contrast_novice_vs_expert</c> is captioned "Contrast novice vs expert".
    /// </param>
    public static string Write(string columns, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, string? caption = null, string? label = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(columns);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.FirstOrDefault(r => r.Count != header.Count) is { } ragged)
            throw new ArgumentException($"a row has {ragged.Count} cells for {header.Count} columns.", nameof(rows));
        if (label is not null) LatexText.Label(label);
        caption ??= label is null ? null : CaptionFromLabel(label);
        var headerLine = string.Join(" & ", header) + " \\\\\n";
        var sb = new StringBuilder();
        if (rows.Count > MaxTabularRows)
        {
            sb.Append("% needs \\usepackage{booktabs,longtable}\n");
            sb.Append("\\begin{longtable}{").Append(columns).Append("}\n");
            if (caption is not null) sb.Append(CaptionAndLabel(caption, label)).Append("\\\\\n");
            sb.Append("\\toprule\n").Append(headerLine).Append("\\midrule\n\\endfirsthead\n");
            // "\caption[]" repeats the table's number on later pages without a second entry in the list of tables.
            if (caption is not null) sb.Append("\\caption[]{(continued)}\\\\\n");
            sb.Append("\\toprule\n").Append(headerLine).Append("\\midrule\n\\endhead\n");
            sb.Append("\\midrule\n\\multicolumn{").Append(header.Count.ToString(CultureInfo.InvariantCulture))
                .Append("}{r}{\\footnotesize continued on next page} \\\\\n\\endfoot\n");
            sb.Append("\\bottomrule\n\\endlastfoot\n");
            AppendRows(sb, rows);
            sb.Append("\\end{longtable}\n");
            return sb.ToString();
        }
        sb.Append("% needs \\usepackage{booktabs}\n");
        if (caption is not null)
            sb.Append("\\begin{table}[t]\n\\centering\n").Append(CaptionAndLabel(caption, label)).Append('\n');
        sb.Append("\\begin{tabular}{").Append(columns).Append("}\n\\toprule\n").Append(headerLine).Append("\\midrule\n");
        AppendRows(sb, rows);
        sb.Append("\\bottomrule\n\\end{tabular}\n");
        if (caption is not null) sb.Append("\\end{table}\n");
        return sb.ToString();
    }

    private static string CaptionAndLabel(string caption, string? label) =>
        "\\caption{" + LatexText.Escape(caption) + "}" + (label is null ? "" : "\\label{" + label + "}");

    /// <summary>The key after its last ':' (the "tab:" prefix), runs of '_' and '-' as one space, first letter capitalised.</summary>
    private static string CaptionFromLabel(string label)
    {
        var words = string.Join(' ', label[(label.LastIndexOf(':') + 1)..].Split(['_', '-'], StringSplitOptions.RemoveEmptyEntries));
        if (words.Length == 0) words = label;
        return char.ToUpperInvariant(words[0]) + words[1..];
    }

    private static void AppendRows(StringBuilder sb, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        foreach (var row in rows)
            sb.Append(string.Join(" & ", row)).Append(" \\\\\n");
    }
}
