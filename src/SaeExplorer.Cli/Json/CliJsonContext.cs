using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Core.Analysis;

namespace SaeExplorer.Cli.Json;

/// <summary>
/// How the CLI reads and writes JSON, with the same settings as Core's context: source-generated serialisers,
/// snake_case keys in declaration order, 2-space indent with "\n" line ends, nulls written; enum values are snake_case
/// strings too.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NewLine = "\n",
    Converters = [typeof(SnakeCaseEnumConverter<TokenDiffKind>)])]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(IEnumerable<TokenizedStringJson>))]
[JsonSerializable(typeof(IReadOnlyList<PromotedTokensJson>))]
[JsonSerializable(typeof(OrderedDictionary<string, UmapMetricsJson>))]
[JsonSerializable(typeof(UmapEmbeddingJson))]
[JsonSerializable(typeof(PromptDiffResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same serialisers without indentation, for output read by programs in bulk (<c>saex tokenize</c>).
    /// Built on first use, since a static initialiser could run before the generated one of <see cref="Default"/>.
    /// </summary>
    public static CliJsonContext Compact => field ??= new(new JsonSerializerOptions(Default.Options) { WriteIndented = false });
}

/// <summary>An enum as its member name in snake_case ("aligned", "deleted"), like the keys around it.</summary>
internal sealed class SnakeCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.SnakeCaseLower)
    where TEnum : struct, Enum;
