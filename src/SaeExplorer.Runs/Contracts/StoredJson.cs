using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;

namespace SaeExplorer.Runs.Contracts;

/// <summary>
/// The JSON a store keeps for answer sets, judge calls and verdicts: snake_case, enums by name, so a store stays
/// readable by other tools and by later versions that add fields.
/// </summary>
public static class StoredJson
{
    public static string Write(RunAnswerSet set) => JsonSerializer.Serialize(set, StoredJsonContext.Default.RunAnswerSet);

    public static RunAnswerSet ReadAnswerSet(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.RunAnswerSet)
        ?? throw new InvalidDataException("an answer set is null.");

    public static string Write(JudgementSet set) => JsonSerializer.Serialize(set, StoredJsonContext.Default.JudgementSet);

    public static JudgementSet ReadJudgements(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.JudgementSet)
        ?? throw new InvalidDataException("a judgement set is null.");

    public static string Write(JudgeCall call) => JsonSerializer.Serialize(call, StoredJsonContext.Default.JudgeCall);

    public static JudgeCall ReadCall(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.JudgeCall)
        ?? throw new InvalidDataException("a judge call is null.");

    public static string Write(FeatureExplanation explanation) => JsonSerializer.Serialize(explanation, StoredJsonContext.Default.FeatureExplanation);

    /// <summary>The same JSON indented, letters of any script as they are: what files written for people use.</summary>
    internal static StoredJsonContext Indented { get; } = new(new JsonSerializerOptions(StoredJsonContext.Default.Options)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static FeatureExplanation ReadExplanation(string json) => JsonSerializer.Deserialize(json, StoredJsonContext.Default.FeatureExplanation)
        ?? throw new InvalidDataException("an explanation is null.");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RunAnswerSet))]
[JsonSerializable(typeof(JudgementSet))]
[JsonSerializable(typeof(JudgeCall))]
[JsonSerializable(typeof(FeatureExplanation))]
[JsonSerializable(typeof(IReadOnlyList<FeatureExplanation>))]
internal sealed partial class StoredJsonContext : JsonSerializerContext;

/// <summary>A judge's verdicts as a file (<c>saex judge --out</c>): the stored JSON, indented, written whole or not at all.</summary>
public static class JudgementsFile
{
    public static void Write(string path, JudgementSet set)
    {
        Core.Exports.AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, set, StoredJson.Indented.JudgementSet));
    }

    public static JudgementSet Read(string path) => StoredJson.ReadJudgements(File.ReadAllText(path));
}

/// <summary>
/// Explanations with their examples and every scored question as a file (<c>saex explain --out</c>): the stored JSON of
/// each, in one indented array, written whole or not at all.
/// </summary>
public static class ExplanationsFile
{
    public static void Write(string path, IReadOnlyList<FeatureExplanation> explanations) =>
        Core.Exports.AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, explanations, StoredJson.Indented.IReadOnlyListFeatureExplanation));

    public static IReadOnlyList<FeatureExplanation> Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), StoredJsonContext.Default.IReadOnlyListFeatureExplanation)
        ?? throw new InvalidDataException($"{path} holds no explanations.");
}
