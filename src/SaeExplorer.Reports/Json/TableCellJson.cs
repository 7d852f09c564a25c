using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Reports.Tables;

namespace SaeExplorer.Reports.Json;

/// <summary>
/// One cell of a <see cref="Table"/> in JSON. A cell is typed only at run time (any .NET number, string, bool or
/// null), which a generated serialiser cannot dispatch on, so this converter writes it: numbers stay numbers, null
/// stays null, and a non-finite number (which JSON cannot hold) is written as null.
/// </summary>
[JsonConverter(typeof(TableCellJsonConverter))]
internal readonly record struct TableCellJson(object? Value);

internal sealed class TableCellJsonConverter : JsonConverter<TableCellJson>
{
    public override TableCellJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("tables are exported to JSON, not read from it.");

    public override void Write(Utf8JsonWriter writer, TableCellJson cell, JsonSerializerOptions options)
    {
        switch (cell.Value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case double d:
                if (double.IsFinite(d)) writer.WriteNumberValue(d); else writer.WriteNullValue();
                break;
            case float f:
                if (float.IsFinite(f)) writer.WriteNumberValue(f); else writer.WriteNullValue();
                break;
            case Half h:
                if (Half.IsFinite(h)) writer.WriteNumberValue((float)h); else writer.WriteNullValue();
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case Int128 or UInt128:
                // No WriteNumberValue overload takes them; their invariant text is a valid JSON integer.
                writer.WriteRawValue(((IFormattable)cell.Value).ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteNumberValue(Convert.ToInt64(cell.Value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
