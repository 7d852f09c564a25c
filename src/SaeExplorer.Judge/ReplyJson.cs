using System.Text.Json;
using System.Text.Json.Nodes;

namespace SaeExplorer.Judge;

/// <summary>Finding the JSON in an LLM's reply, which may wrap it in code fences or a sentence even in JSON mode.</summary>
internal static class ReplyJson
{
    /// <summary>The JSON object of the whole reply, or of the span from its first '{' to its last '}'; null when there is none.</summary>
    public static JsonObject? Object(string? reply) => Span(reply, '{', '}') as JsonObject;

    /// <summary>The same for an array, '[' to ']'.</summary>
    public static JsonArray? Array(string? reply) => Span(reply, '[', ']') as JsonArray;

    private static JsonNode? Span(string? reply, char open, char close)
    {
        if (string.IsNullOrWhiteSpace(reply))
            return null;
        int start = reply.IndexOf(open), end = reply.LastIndexOf(close);
        if (start < 0 || end <= start)
            return null;
        try
        {
            return JsonNode.Parse(reply[start..(end + 1)]);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
