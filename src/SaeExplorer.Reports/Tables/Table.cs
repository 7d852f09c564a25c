namespace SaeExplorer.Reports.Tables;

/// <summary>
/// A rectangular table: named columns and rows of cells. A cell is a string, a number (any .NET integer or
/// floating-point type, or decimal), a bool, or null (empty).
/// </summary>
public sealed class Table
{
    public Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object?>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        if (headers.Count == 0) throw new ArgumentException("a table needs at least one column.", nameof(headers));
        if (headers.Any(string.IsNullOrEmpty)) throw new ArgumentException("every column needs a name.", nameof(headers));
        // JSON output keys each row's object by header; a repeated header would silently drop a column there.
        var repeated = headers.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ArgumentException($"column '{repeated.Key}' is named twice.", nameof(headers));
        Headers = headers.ToArray();
        var copied = new List<IReadOnlyList<object?>>();
        foreach (var row in rows)
        {
            ArgumentNullException.ThrowIfNull(row, nameof(rows));
            if (row.Count != Headers.Count)
                throw new ArgumentException($"row {copied.Count} has {row.Count} cells for {Headers.Count} columns.", nameof(rows));
            for (var i = 0; i < row.Count; i++)
            {
                if (row[i] is not (null or string or bool) && !IsNumber(row[i]!))
                    throw new ArgumentException($"row {copied.Count}, column '{Headers[i]}': a {row[i]!.GetType().Name} is not a string, number, bool or null.", nameof(rows));
            }
            copied.Add(row.ToArray());
        }
        Rows = copied;
    }

    public IReadOnlyList<string> Headers { get; }
    public IReadOnlyList<IReadOnlyList<object?>> Rows { get; }

    internal static bool IsNumber(object value) =>
        value is byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal or Half or Int128 or UInt128;

    /// <summary>True when every non-null cell of the column is a number (LaTeX right-aligns such columns).</summary>
    internal bool IsNumericColumn(int column) =>
        Rows.Any(r => r[column] is not null) && Rows.All(r => r[column] is null || IsNumber(r[column]!));
}
