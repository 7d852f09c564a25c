using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Runs.Generation.Constraints;

namespace SaeExplorer.Serve;

/// <summary><c>response_format</c> as a decoding constraint: json_object and json_schema are enforced token by token.</summary>
internal static class ResponseConstraints
{
    public static Func<IReadOnlyList<byte[]?>, IReadOnlySet<int>, ITokenConstraint>? From(JsonObject? format)
    {
        JsonConstraint? grammar;
        try
        {
            grammar = JsonConstraint.FromResponseFormat(format);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or JsonException)
        {
            throw new ApiError(400, e.Message, "response_format");
        }
        return grammar is null ? null : (bytes, stops) => JsonTokenConstraint.Start(grammar, bytes, stops);
    }
}
