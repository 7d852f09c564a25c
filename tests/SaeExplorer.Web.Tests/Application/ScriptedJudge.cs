using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>
/// An OpenAI-compatible judge on a loopback port (after SaeExplorer.Judge.Tests' ScriptedServer): every pointwise call is
/// scored 7/6/8/7, every pairwise call prefers "A". It records each request's Authorization header; <see cref="Status"/>
/// makes it answer every call with an HTTP error instead, <see cref="Delay"/> slows every reply.
/// </summary>
public sealed class ScriptedJudge : IAsyncDisposable
{
    public const string PointwiseReply = "{\"accuracy\":7,\"completeness\":6,\"clarity\":8,\"usefulness\":7,\"rationale\":\"ok\"}";
    public const string PairwiseReply = "{\"preferred\":\"A\",\"rationale\":\"ok\"}";

    private readonly WebApplication _app;

    public ScriptedJudge()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
            Authorizations.Add(context.Request.Headers.Authorization.ToString());
            if (Delay > TimeSpan.Zero)
                await Task.Delay(Delay, context.RequestAborted);
            context.Response.ContentType = "application/json";
            if (Status != 200)
            {
                context.Response.StatusCode = Status;
                await context.Response.WriteAsync("{\"error\":{\"message\":\"scripted failure\"}}");
                return;
            }
            bool pairwise = body["messages"]![0]!["content"]!.GetValue<string>().Contains("two answers");
            await context.Response.WriteAsync(new JsonObject
            {
                ["id"] = "chatcmpl-test",
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = body["model"]?.GetValue<string>(),
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = pairwise ? PairwiseReply : PointwiseReply },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
            }.ToJsonString());
        });
        _app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/v1";
    }

    /// <summary>The OpenAI-compatible base URL (…/v1).</summary>
    public string BaseUrl { get; }

    public ConcurrentBag<string> Authorizations { get; } = [];

    public int Status { get; set; } = 200;

    public TimeSpan Delay { get; set; }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
