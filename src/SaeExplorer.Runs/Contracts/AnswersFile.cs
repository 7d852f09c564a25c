using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Runs.Contracts;

/// <summary>
/// One line of an answers file (<c>saex generate --out</c>, a run's <c>answers.jsonl</c>, the dashboard's export).
/// Other tools read these names: <c>token_ids</c> are the answer's ids only, the stop token included when one ended
/// it; <c>text</c> is their decoding without it; <c>seconds</c> is the wall time of the decoding call that produced
/// the answer (shared by the prompts of one batch).
/// </summary>
public sealed record AnswerLine(
    string Id,
    string Text,
    int[] TokenIds,
    string FinishReason,
    int PromptTokens,
    int AnswerTokens,
    IReadOnlyList<InterventionJson> Interventions,
    DecodingJson Decoding,
    ulong Seed,
    double Seconds);

/// <summary>An intervention in an answers file: <c>kind</c> is add, clamp or ablate; <c>scope</c> all or generated.</summary>
public sealed record InterventionJson(string Kind, int Feature, float Value, bool Normalize, string Scope)
{
    public static IReadOnlyList<InterventionJson> From(IReadOnlyList<FeatureIntervention> interventions, InterventionScope scope) =>
        [.. interventions.Select(i => new InterventionJson(
            i.Kind == InterventionKind.Add ? "add" : i.Value == 0 ? "ablate" : "clamp",
            i.Feature, i.Value, i.Normalize, scope == InterventionScope.All ? "all" : "generated"))];
}

/// <summary>The decoding settings in an answers file; <c>strategy</c> is greedy or sample.</summary>
public sealed record DecodingJson(string Strategy, int MaxNewTokens, double Temperature, double TopP, int TopK, double RepetitionPenalty)
{
    public static DecodingJson From(DecodingOptions d) =>
        new(d.Greedy ? "greedy" : "sample", d.MaxNewTokens, d.Temperature, d.TopP, d.TopK, d.RepetitionPenalty);
}

/// <summary>Writes and reads answers files: one compact JSON object per line, snake_case keys, in input order.</summary>
public static class AnswersFile
{
    // Answers are read by people too: letters of any script stay as they are instead of \uXXXX escapes.
    private static readonly RunsJsonContext Readable = new(new JsonSerializerOptions(RunsJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>
    /// Writes every line to <c>{path}.partial</c> and renames it over <paramref name="path"/>: readers see the old
    /// file or the whole new one, never half of it.
    /// </summary>
    public static void Write(string path, IEnumerable<AnswerLine> lines)
    {
        Core.Exports.AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            writer.NewLine = "\n";
            foreach (var line in lines)
                writer.WriteLine(JsonSerializer.Serialize(line, Readable.AnswerLine));
        });
    }

    public static IReadOnlyList<AnswerLine> Read(string path)
    {
        var result = new List<AnswerLine>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0)
                continue;
            try
            {
                result.Add(JsonSerializer.Deserialize(line, RunsJsonContext.Default.AnswerLine)
                           ?? throw new InvalidDataException($"{path}:{number}: an answer line is null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not an answer line ({e.Message}).", e);
            }
        }
        return result;
    }
}

/// <summary>The run layer's file contracts as source-generated serialisers: snake_case keys in declaration order.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(AnswerLine))]
internal sealed partial class RunsJsonContext : JsonSerializerContext;
