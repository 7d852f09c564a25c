using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SaeExplorer.Core.Json;

/// <summary>
/// How Core writes JSON: source-generated serialisers for one DTO record per file format, snake_case keys in the
/// DTO's declaration order, 2-space indent with "\n" line ends, nulls written (a DTO property may opt out). Numbers
/// are written by System.Text.Json in invariant, shortest round-trip form, so equal inputs give byte-identical files;
/// a non-finite number is an error, as JSON cannot hold it.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NewLine = "\n")]
[JsonSerializable(typeof(FeatureDiffJson))]
[JsonSerializable(typeof(ContrastStatisticsJson))]
[JsonSerializable(typeof(FeatureDistributionsJson))]
[JsonSerializable(typeof(TokenContextsJson))]
[JsonSerializable(typeof(PromptSetJson))]
internal sealed partial class CoreJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The same serialisers, writing non-ASCII and HTML-sensitive characters as they are instead of \u-escaping them:
    /// for files of prose (templates, token contexts) that people read and edit.
    /// </summary>
    /// <remarks>Built on first use, since a static initialiser could run before the generated one of <see cref="Default"/>.</remarks>
    public static CoreJsonContext Readable => field ??= new(new JsonSerializerOptions(Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The text of a file: <paramref name="value"/> serialised, with the final newline every Core file ends in.</summary>
    public static string FileText<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.Serialize(value, typeInfo) + "\n";
}
