using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Judge;

/// <summary>The two ways of judging: one answer at a time on a rubric, or two answers against each other.</summary>
public enum JudgeProtocol
{
    Pointwise,
    Pairwise,
    Both,
}

/// <summary>A pointwise verdict as the judge wrote it.</summary>
public sealed record RubricScores(int Accuracy, int Completeness, int Clarity, int Usefulness, string Rationale);

/// <summary>A pairwise verdict as the judge wrote it: "A", "B" or "tie".</summary>
public sealed record Preference(string Preferred, string Rationale);

/// <summary>
/// What the judge is told and what it must answer. Blind by construction: the messages carry the topic's neutral
/// question and the answer texts only — never the styled prompt, the condition's name or the arm. Changing any
/// wording here changes the cache key (the messages are hashed), so old replies are not reused for a new prompt;
/// <see cref="Version"/> names the protocol in every verdict.
/// </summary>
public static class JudgePrompts
{
    public const string Version = "saex-judge-v1";

    /// <summary>Longest rationale asked for, in characters: keeps replies short and, under a schema, bounded.</summary>
    public const int RationaleMaxLength = 240;

    public const string PointwiseSystem =
        "You are an impartial expert grader. You will see a question and one answer to it. Rate the answer on four " +
        "criteria, each an integer from 1 (very poor) to 10 (excellent): accuracy (are its statements correct?), " +
        "completeness (does it cover what the question needs?), clarity (is it easy to follow?), usefulness (does it help " +
        "someone who asked this question?). Judge the content, not the length: a longer answer is not better unless the " +
        "extra text adds value. Reply with one JSON object only, no other text: " +
        "{\"accuracy\": n, \"completeness\": n, \"clarity\": n, \"usefulness\": n, \"rationale\": \"one or two sentences\"}.";

    public const string PairwiseSystem =
        "You are an impartial expert grader. You will see a question and two answers to it, labelled A and B. Decide " +
        "which answer is better overall — more accurate, complete, clear and useful for the question — or whether they " +
        "are equally good. The order of the answers and their length must not influence you: a longer answer is not " +
        "better unless the extra text adds value. Reply with one JSON object only, no other text: " +
        "{\"preferred\": \"A\" or \"B\" or \"tie\", \"rationale\": \"one or two sentences\"}.";

    /// <summary>The topic's neutral question: the prompt set's baseline condition (<see cref="PromptSets.BaselineCondition"/>) with the topic filled in.</summary>
    public static string NeutralQuestion(PromptSet set, string topic) =>
        PromptSets.Render(PromptSets.BaselineCondition(set).Template, topic);

    public static IReadOnlyList<ChatMessage> Pointwise(string question, string answer) =>
    [
        new(ChatRole.System, PointwiseSystem),
        new(ChatRole.User, $"Question:\n{question}\n\nAnswer:\n{answer}"),
    ];

    public static IReadOnlyList<ChatMessage> Pairwise(string question, string answerA, string answerB) =>
    [
        new(ChatRole.System, PairwiseSystem),
        new(ChatRole.User, $"Question:\n{question}\n\nAnswer A:\n{answerA}\n\nAnswer B:\n{answerB}"),
    ];

    public static JsonElement PointwiseSchema { get; } = Schema(new JsonObject
    {
        ["accuracy"] = Score(),
        ["completeness"] = Score(),
        ["clarity"] = Score(),
        ["usefulness"] = Score(),
        ["rationale"] = Rationale(),
    });

    public static JsonElement PairwiseSchema { get; } = Schema(new JsonObject
    {
        ["preferred"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("A", "B", "tie") },
        ["rationale"] = Rationale(),
    });

    /// <summary>Reads a pointwise reply; null when it is not a verdict (no JSON object, a field missing, a score out of 1–10).</summary>
    public static RubricScores? ParsePointwise(string? reply)
    {
        if (ReplyJson.Object(reply) is not { } o)
            return null;
        int? a = ScoreOf(o, "accuracy"), c = ScoreOf(o, "completeness"), l = ScoreOf(o, "clarity"), u = ScoreOf(o, "usefulness");
        if (a is null || c is null || l is null || u is null)
            return null;
        return new RubricScores(a.Value, c.Value, l.Value, u.Value, RationaleOf(o));
    }

    /// <summary>Reads a pairwise reply; null when it is not a verdict.</summary>
    public static Preference? ParsePairwise(string? reply)
    {
        if (ReplyJson.Object(reply) is not { } o || o["preferred"] is not JsonValue v || !v.TryGetValue<string>(out var preferred))
            return null;
        var normal = preferred.Trim().Trim('"', '\'', '.').ToUpperInvariant() switch
        {
            "A" or "ANSWER A" => "A",
            "B" or "ANSWER B" => "B",
            "TIE" or "EQUAL" or "BOTH" => "tie",
            _ => null,
        };
        return normal is null ? null : new Preference(normal, RationaleOf(o));
    }

    private static int? ScoreOf(JsonObject o, string name)
    {
        if (o[name] is not JsonValue v)
            return null;
        double value;
        if (v.TryGetValue<double>(out var d))
            value = d;
        else if (v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
            value = parsed;
        else
            return null;
        return value == Math.Floor(value) && value is >= 1 and <= 10 ? (int)value : null;
    }

    private static string RationaleOf(JsonObject o) =>
        o["rationale"] is JsonValue v && v.TryGetValue<string>(out var s) ? s.Trim() : "";

    private static JsonObject Score() => new() { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 10 };

    private static JsonObject Rationale() => new() { ["type"] = "string", ["maxLength"] = RationaleMaxLength };

    private static JsonElement Schema(JsonObject properties)
    {
        var names = new JsonArray([.. properties.Select(p => (JsonNode?)JsonValue.Create(p.Key))]);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = names,
            ["additionalProperties"] = false,
        };
        return JsonSerializer.SerializeToElement(schema);
    }
}
