using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using SaeExplorer.Core.Analysis.Autointerp;

namespace SaeExplorer.Judge.Autointerp;

/// <summary>
/// What the explainer and the scorers are told and must answer, after delphi's prompts (EleutherAI): the explainer sees
/// activating examples with the activating tokens between <c>&lt;&lt;</c> and <c>&gt;&gt;</c> and each one's strength
/// (0–10, relative to the strongest shown); the scorers see the explanation and a batch of held-out examples and answer
/// 0 or 1 for each. Changing a word here changes the cache key; <see cref="ExplainerVersion"/> and
/// <see cref="ScorerVersion"/> are recorded on every explanation and score.
/// </summary>
public static class ExplainerPrompts
{
    public const string ExplainerVersion = "saex-explain-v1";
    public const string ScorerVersion = "saex-score-v1";

    /// <summary>Longest explanation asked for, in characters: a label for a table, not an essay.</summary>
    public const int ExplanationMaxLength = 200;

    public const string OpenMark = "<<";
    public const string CloseMark = ">>";

    public const string ExplainerSystem =
        "You are a meticulous AI researcher investigating one feature of a sparse autoencoder trained on a language model's " +
        "hidden states. You will see text examples where the feature is active. In each example the tokens where it fires are " +
        "between delimiters <<like this>> (consecutive firing tokens share one pair of delimiters), and after the example " +
        "each firing token is listed with its strength from 0 to 10. Describe in one short phrase or sentence what the " +
        "feature responds to: the common pattern in the marked tokens and their context. Be concise and specific; do not " +
        "list alternatives, do not quote the examples at length, do not mention the delimiters. Reply with one JSON object " +
        "only: {\"explanation\": \"...\"}.";

    public const string DetectionSystem =
        "You are an intelligent and meticulous linguistics researcher. You will see the explanation of a feature of a " +
        "language model (for example \"male pronouns\" or \"text with negative sentiment\") and several numbered text " +
        "examples. For each example in turn, answer 1 if the feature, as explained, would be active somewhere in the " +
        "example, or 0 if it would not. Reply with one JSON object only: {\"answers\": [one 0 or 1 per example, in order]}.";

    public const string FuzzingSystem =
        "You are an intelligent and meticulous linguistics researcher. You will see the explanation of a feature of a " +
        "language model and several numbered text examples in which some tokens are marked <<like this>>. For each example " +
        "in turn, answer 1 if the marked tokens are ones the feature, as explained, is active on, or 0 if they are not " +
        "(the marks may have been placed on the wrong tokens). Reply with one JSON object only: " +
        "{\"answers\": [one 0 or 1 per example, in order]}.";

    /// <param name="conditions">when given, the share of each prompt style's prompts where the feature fires</param>
    /// <param name="promoted">when given, the tokens the feature's decoder direction promotes most</param>
    public static IReadOnlyList<ChatMessage> Explainer(IReadOnlyList<FeatureExample> examples, IReadOnlyList<ConditionShare>? conditions,
        IReadOnlyList<string>? promoted)
    {
        float max = examples.Count == 0 ? 0 : examples.Max(e => e.Max);
        var text = new StringBuilder();
        for (int i = 0; i < examples.Count; i++)
        {
            var e = examples[i];
            text.Append(CultureInfo.InvariantCulture, $"Example {i + 1}: {Marked(e.Tokens, t => e.Activations[t] > 0)}\n");
            var strengths = Enumerable.Range(0, e.Tokens.Count).Where(t => e.Activations[t] > 0)
                .Select(t => string.Create(CultureInfo.InvariantCulture, $"(\"{Visible(e.Tokens[t]).Trim()}\", {Strength(e.Activations[t], max)})"));
            text.Append("Activations: ").Append(string.Join(", ", strengths)).Append("\n\n");
        }
        if (conditions is { Count: > 0 })
        {
            text.Append("Share of prompts of each style where the feature fires: ")
                .Append(string.Join(", ", conditions.Select(c => string.Create(CultureInfo.InvariantCulture,
                    $"{c.Condition} {(c.Documents == 0 ? 0 : 100.0 * c.Active / c.Documents):F0}% ({c.Active}/{c.Documents})"))))
                .Append(".\n");
        }
        if (promoted is { Count: > 0 })
            text.Append("Tokens its output direction promotes most: ").Append(string.Join(", ", promoted.Select(p => $"\"{Visible(p)}\""))).Append(".\n");
        return [new(ChatRole.System, ExplainerSystem), new(ChatRole.User, text.ToString().TrimEnd())];
    }

    public static IReadOnlyList<ChatMessage> Scorer(ScoringMethod method, string explanation, IReadOnlyList<ScoringItem> items)
    {
        var text = new StringBuilder();
        text.Append("Explanation: ").Append(explanation).Append("\n\n");
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var marked = item.Marked.ToHashSet();
            string body = method == ScoringMethod.Fuzzing
                ? Marked(item.Example.Tokens, marked.Contains)
                : string.Concat(item.Example.Tokens.Select(Visible));
            text.Append(CultureInfo.InvariantCulture, $"Example {i + 1}: {body}\n");
        }
        return [new(ChatRole.System, method == ScoringMethod.Detection ? DetectionSystem : FuzzingSystem), new(ChatRole.User, text.ToString().TrimEnd())];
    }

    public static JsonElement ExplainerSchema { get; } = JsonSerializer.SerializeToElement(new JsonObject
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { ["explanation"] = new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = ExplanationMaxLength } },
        ["required"] = new JsonArray("explanation"),
        ["additionalProperties"] = false,
    });

    /// <summary>Exactly <paramref name="count"/> answers of 0 or 1: a server that enforces the schema cannot skip one.</summary>
    public static JsonElement ScorerSchema(int count) => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["type"] = "object",
        ["properties"] = new JsonObject
        {
            ["answers"] = new JsonObject
            {
                ["type"] = "array",
                ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 1 },
                ["minItems"] = count,
                ["maxItems"] = count,
            },
        },
        ["required"] = new JsonArray("answers"),
        ["additionalProperties"] = false,
    });

    /// <summary>The explanation in a reply, trimmed; null when there is none.</summary>
    public static string? ParseExplanation(string? reply)
    {
        if (ReplyJson.Object(reply) is not { } o || o["explanation"] is not JsonValue v || !v.TryGetValue<string>(out var text))
            return null;
        text = text.Trim();
        return text.Length == 0 ? null : text;
    }

    /// <summary>
    /// The 0/1 answers in a reply, as booleans; null unless there are exactly <paramref name="count"/> of them. Accepts
    /// the object asked for, or a bare list (delphi's format, which some models fall back to); 1/0, true/false, "yes"/"no".
    /// </summary>
    public static bool[]? ParseAnswers(string? reply, int count)
    {
        JsonNode? node = ReplyJson.Object(reply) is { } o ? o["answers"] : ReplyJson.Array(reply);
        if (node is not JsonArray array || array.Count != count)
            return null;
        var answers = new bool[count];
        for (int i = 0; i < count; i++)
        {
            bool? answer = array[i] switch
            {
                JsonValue v when v.TryGetValue<double>(out var d) => d == 1 ? true : d == 0 ? false : null,
                JsonValue v when v.TryGetValue<bool>(out var b) => b,
                JsonValue v when v.TryGetValue<string>(out var s) => s.Trim().ToLowerInvariant() switch
                {
                    "1" or "yes" or "true" => true,
                    "0" or "no" or "false" => false,
                    _ => null,
                },
                _ => null,
            };
            if (answer is not { } a)
                return null;
            answers[i] = a;
        }
        return answers;
    }

    /// <summary>
    /// The tokens as one line, runs of selected tokens between delimiters; a run's leading spaces stay outside them
    /// (" <<cat>>", not "<< cat>>"), newlines show as "\n" so an example stays on its line.
    /// </summary>
    public static string Marked(IReadOnlyList<string> tokens, Func<int, bool> selected)
    {
        var text = new StringBuilder();
        for (int t = 0; t < tokens.Count;)
        {
            if (!selected(t))
            {
                text.Append(Visible(tokens[t++]));
                continue;
            }
            var run = new StringBuilder();
            while (t < tokens.Count && selected(t))
                run.Append(Visible(tokens[t++]));
            var s = run.ToString();
            int lead = s.Length - s.TrimStart(' ').Length;
            text.Append(s, 0, lead).Append(OpenMark).Append(s, lead, s.Length - lead).Append(CloseMark);
        }
        return text.ToString();
    }

    private static string Visible(string token) => token.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static int Strength(float value, float max) => max <= 0 ? 0 : (int)Math.Round(10.0 * value / max, MidpointRounding.AwayFromZero);
}
