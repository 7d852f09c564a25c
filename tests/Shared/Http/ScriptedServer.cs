using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SaeExplorer.Tests;

/// <summary>One scripted reply: an HTTP status, the assistant's content (or a raw body), a delay, a finish reason.</summary>
public sealed record Scripted(int Status = 200, string? Content = null, string? RawBody = null, TimeSpan Delay = default, string FinishReason = "stop",
    string? RetryAfter = null);

/// <summary>
/// A real OpenAI-compatible HTTP server on a loopback port that answers from a script: the replies queued by
/// <see cref="Enqueue"/> in order, then <see cref="Fallback"/> (computed from the request) for every later call.
/// It records every request body and Authorization header it saw. The judge's tests and the dashboard's share it.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Scripted> _script = new();

    public ScriptedServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            Requests.Add(body);
            Authorizations.Add(context.Request.Headers.Authorization.ToString());
            var reply = _script.TryDequeue(out var next) ? next : Fallback(body);
            if (reply.Delay > TimeSpan.Zero)
                await Task.Delay(reply.Delay, context.RequestAborted);
            context.Response.StatusCode = reply.Status;
            if (reply.RetryAfter is not null)
                context.Response.Headers.RetryAfter = reply.RetryAfter;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(reply.RawBody ?? Completion(body, reply.Content ?? "", reply.FinishReason));
        });
        _app.StartAsync().GetAwaiter().GetResult();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.TrimEnd('/') + "/v1";
    }

    public string BaseUrl { get; }

    public ConcurrentBag<JsonObject> Requests { get; } = [];

    public ConcurrentBag<string> Authorizations { get; } = [];

    /// <summary>The reply to calls beyond the script: a valid verdict for the protocol the system message names.</summary>
    public Func<JsonObject, Scripted> Fallback { get; set; } = body => new Scripted(Content: IsPairwise(body)
        ? "{\"preferred\":\"A\",\"rationale\":\"A is clearer.\"}"
        : "{\"accuracy\":7,\"completeness\":6,\"clarity\":8,\"usefulness\":7,\"rationale\":\"Correct but brief.\"}");

    /// <summary>A reply for every later call: the HTTP error <paramref name="status"/> with an OpenAI-style error body.</summary>
    public static Func<JsonObject, Scripted> Failing(int status) =>
        _ => new Scripted(status, RawBody: "{\"error\":{\"message\":\"scripted failure\"}}");

    /// <summary>Every later reply as the fallback gives it, after <paramref name="delay"/>.</summary>
    public void SlowDown(TimeSpan delay)
    {
        var reply = Fallback;
        Fallback = body => reply(body) with { Delay = delay };
    }

    public void Enqueue(params Scripted[] replies)
    {
        foreach (var r in replies)
            _script.Enqueue(r);
    }

    public static bool IsPairwise(JsonObject body) => body["messages"]![0]!["content"]!.GetValue<string>().Contains("two answers");

    public static string UserText(JsonObject body) => body["messages"]![1]!["content"]!.GetValue<string>();

    private static string Completion(JsonObject request, string content, string finish) => new JsonObject
    {
        ["id"] = "chatcmpl-test",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = request["model"]?.GetValue<string>(),
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["finish_reason"] = finish,
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 100, ["completion_tokens"] = 20, ["total_tokens"] = 120 },
    }.ToJsonString();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
