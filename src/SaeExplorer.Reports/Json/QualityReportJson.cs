using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Reports.Json;

/// <summary>
/// <c>quality.json</c>: the whole quality analysis (triangle, strengths, win rates, blocked effect, judge bias, arms,
/// judge agreement) with every interval's level, resample count and seed, so a number in a paper can be traced and
/// recomputed. A value that cannot be measured (a constant variable) is written as "NaN".
/// </summary>
public static class QualityReportJson
{
    public static string ToJson(QualityAnalysisResult result) =>
        JsonSerializer.Serialize(result with { Rows = [] }, QualityJsonContext.Default.QualityAnalysisResult) + "\n";

    /// <summary>Writes the file whole or not at all.</summary>
    public static void Save(QualityAnalysisResult result, string path)
    {
        Core.Exports.AtomicFile.WriteAllText(path, ToJson(result));
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, NewLine = "\n",
    UseStringEnumConverter = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(QualityAnalysisResult))]
internal sealed partial class QualityJsonContext : JsonSerializerContext;
