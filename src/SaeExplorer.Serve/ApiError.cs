using System.Text.Json.Nodes;

namespace SaeExplorer.Serve;

/// <summary>A request the server refuses, answered in OpenAI's error shape so clients show the message.</summary>
public sealed class ApiError(int status, string message, string? param = null, string type = "invalid_request_error") : Exception(message)
{
    public int Status { get; } = status;

    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = type,
            ["param"] = param,
            ["code"] = null,
        },
    };
}
