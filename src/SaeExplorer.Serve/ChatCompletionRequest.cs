using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Core.Prompts;
using SaeExplorer.Runs.Generation;

namespace SaeExplorer.Serve;

/// <summary>
/// A <c>/v1/chat/completions</c> body, checked once: every field the server cannot honour is refused by name rather
/// than ignored (a judge that asked for <c>n=3</c> or a stop string must not get something else silently).
/// </summary>
/// <param name="ResponseFormat">the <c>response_format</c> object as sent (null: text)</param>
/// <param name="Interventions">the <c>saex.interventions</c> extension: features to add, clamp or ablate while answering</param>
public sealed record ChatCompletionRequest(
    string? Model,
    IReadOnlyList<ChatMessage> Messages,
    DecodingOptions Decoding,
    bool Stream,
    bool IncludeUsage,
    JsonObject? ResponseFormat,
    IReadOnlyList<FeatureIntervention> Interventions,
    InterventionScope Scope)
{
    /// <summary>OpenAI's default temperature; a judge asks for 0 explicitly.</summary>
    public const double DefaultTemperature = 1.0;

    public static ChatCompletionRequest Parse(JsonNode? body, int defaultMaxTokens)
    {
        if (body is not JsonObject o)
            throw new ApiError(400, "the request body must be a JSON object.");
        foreach (var (name, value) in o)
        {
            if (value is null)
                continue;
            switch (name)
            {
                case "model" or "messages" or "max_tokens" or "max_completion_tokens" or "temperature" or "top_p" or "seed" or "stream"
                    or "stream_options" or "response_format" or "saex" or "user" or "metadata" or "store":
                    break;
                case "n" when Number(value, name) == 1:
                    break;
                case "frequency_penalty" or "presence_penalty" when Number(value, name) == 0:
                    break;
                case "stop" when value is JsonArray { Count: 0 }:
                    break;
                case "logprobs" when value.GetValueKind() == JsonValueKind.False:
                    break;
                case "tools" when value is JsonArray { Count: 0 }:
                    break;
                default:
                    throw new ApiError(400, $"'{name}' is not supported by saex serve (supported: model, messages, max_tokens, temperature, top_p, seed, stream, stream_options, response_format, saex).", name);
            }
        }
        var messages = ParseMessages(o["messages"]);
        int maxTokens = (int)(Optional(o, "max_completion_tokens") ?? Optional(o, "max_tokens") ?? defaultMaxTokens);
        var decoding = new DecodingOptions(maxTokens, Optional(o, "temperature") ?? DefaultTemperature, Optional(o, "top_p") ?? 1, 0, 1,
            (ulong)(Optional(o, "seed") ?? 0));
        try
        {
            decoding.Validated();
        }
        catch (Exception e) when (e is ArgumentException or Runs.Settings.SettingsException)
        {
            throw new ApiError(400, e.Message);
        }
        bool stream = o["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
        bool usage = o["stream_options"] is JsonObject so && so["include_usage"] is JsonValue iu && iu.GetValueKind() == JsonValueKind.True;
        var format = o["response_format"] switch
        {
            null => null,
            JsonObject f => f,
            _ => throw new ApiError(400, "response_format must be an object such as {\"type\": \"json_object\"}.", "response_format"),
        };
        var (interventions, scope) = Steering(o["saex"]);
        return new ChatCompletionRequest(o["model"]?.GetValue<string>(), messages, decoding, stream, usage, format, interventions, scope);
    }

    private static IReadOnlyList<ChatMessage> ParseMessages(JsonNode? node)
    {
        if (node is not JsonArray { Count: > 0 } array)
            throw new ApiError(400, "messages must be a non-empty array of {role, content}.", "messages");
        var result = new List<ChatMessage>();
        foreach (var item in array)
        {
            if (item is not JsonObject m || m["role"] is not JsonValue role || role.GetValueKind() != JsonValueKind.String)
                throw new ApiError(400, "every message needs a string role.", "messages");
            var content = m["content"] switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonArray parts => string.Concat(parts.Select(p => p is JsonObject { } part && part["type"]?.GetValue<string>() == "text"
                    ? part["text"]?.GetValue<string>() ?? ""
                    : throw new ApiError(400, "only text content parts are supported.", "messages"))),
                _ => throw new ApiError(400, "message content must be a string or an array of text parts.", "messages"),
            };
            result.Add(new ChatMessage(role.GetValue<string>() == "developer" ? "system" : role.GetValue<string>(), content));
        }
        return result;
    }

    /// <summary><c>"saex": {"interventions": [{"kind": "add", "feature": 12, "value": 4, "normalize": false}], "scope": "all"}</c>.</summary>
    private static (IReadOnlyList<FeatureIntervention>, InterventionScope) Steering(JsonNode? node)
    {
        if (node is null)
            return ([], InterventionScope.All);
        if (node is not JsonObject o)
            throw new ApiError(400, "saex must be an object: {\"interventions\": [...], \"scope\": \"all\"}.", "saex");
        var list = new List<FeatureIntervention>();
        foreach (var item in o["interventions"] as JsonArray ?? [])
        {
            if (item is not JsonObject i)
                throw new ApiError(400, "each intervention is {\"kind\": \"add|clamp|ablate\", \"feature\": F, \"value\": V}.", "saex.interventions");
            int feature = (int)Number(i["feature"] ?? throw new ApiError(400, "an intervention lacks its feature.", "saex.interventions"), "feature");
            var kind = i["kind"]?.GetValue<string>();
            float value = i["value"] is { } v ? (float)Number(v, "value") : 0;
            bool normalize = i["normalize"] is JsonValue n && n.GetValueKind() == JsonValueKind.True;
            list.Add(kind switch
            {
                "add" => new FeatureIntervention(InterventionKind.Add, feature, value, normalize),
                "clamp" => new FeatureIntervention(InterventionKind.Clamp, feature, value),
                "ablate" => new FeatureIntervention(InterventionKind.Clamp, feature, 0),
                _ => throw new ApiError(400, $"intervention kind '{kind}' is not one of add, clamp, ablate.", "saex.interventions"),
            });
        }
        var scope = o["scope"]?.GetValue<string>() switch
        {
            null or "all" => InterventionScope.All,
            "generated" => InterventionScope.Generated,
            var other => throw new ApiError(400, $"saex.scope '{other}' is not one of all, generated.", "saex.scope"),
        };
        return (list, scope);
    }

    private static double? Optional(JsonObject o, string name) => o[name] is { } v ? Number(v, name) : null;

    private static double Number(JsonNode node, string name) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw new ApiError(400, $"'{name}' must be a number.", name);
}
