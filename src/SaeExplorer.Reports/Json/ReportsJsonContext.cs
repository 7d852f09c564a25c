using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SaeExplorer.Reports.Json;

/// <summary>
/// How Reports writes JSON, with the same settings as Core's context: source-generated serialisers, snake_case keys,
/// 2-space indent with "\n" line ends, nulls written.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NewLine = "\n")]
[JsonSerializable(typeof(IReadOnlyList<OrderedDictionary<string, TableCellJson>>))]
internal sealed partial class ReportsJsonContext : JsonSerializerContext
{
    /// <summary>The text of a file: <paramref name="value"/> serialised, with a final newline.</summary>
    public static string FileText<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.Serialize(value, typeInfo) + "\n";
}
