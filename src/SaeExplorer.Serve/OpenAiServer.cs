using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SaeExplorer.Inference.Generation;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Tokenization;

namespace SaeExplorer.Serve;

/// <summary>How <c>saex serve</c> listens.</summary>
/// <param name="Host">loopback by default: nothing outside the machine can reach the model unless asked</param>
/// <param name="BearerToken">when set, every request must carry <c>Authorization: Bearer</c> it</param>
/// <param name="ModelName">the id /v1/models lists and requests must name</param>
public sealed record ServeOptions(string Host = "127.0.0.1", int Port = 8000, string? BearerToken = null, string ModelName = "saex", int MaxBatch = 16,
    int DefaultMaxTokens = 512);

/// <summary>
/// The OpenAI-compatible endpoints: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c> (JSON or SSE stream),
/// <c>response_format</c> honoured by constrained decoding, steering through the <c>saex</c> extension field.
/// </summary>
public static class OpenAiServer
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A host over a loaded model service; the caller runs it (and disposes the service after).</summary>
    public static WebApplication Build(ServeOptions options, LiveModelService service, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(_ => new CompletionScheduler(service, options.MaxBatch));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            if (options.BearerToken is { } token && !Authorized(context.Request, token))
            {
                await Error(context, new ApiError(401, "missing or wrong bearer token: send 'Authorization: Bearer <token>'.", type: "authentication_error")).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/v1/models", () => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject
            {
                ["id"] = options.ModelName,
                ["object"] = "model",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["owned_by"] = "saex",
            }),
        }));
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("saex.serve");
        app.MapPost("/v1/chat/completions", (HttpContext context) => Complete(context, options, service, context.RequestServices.GetRequiredService<CompletionScheduler>(), log));
        return app;
    }

    private static async Task Complete(HttpContext context, ServeOptions options, LiveModelService service, CompletionScheduler scheduler, ILogger log)
    {
        try
        {
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new ApiError(400, $"the body is not JSON: {e.Message}");
            }
            var request = ChatCompletionRequest.Parse(body, options.DefaultMaxTokens);
            if (request.Model is { } model && model != options.ModelName)
                throw new ApiError(404, $"model '{model}' is not served here; this server serves '{options.ModelName}'.", "model", "not_found_error");
            int[] ids;
            try
            {
                ids = service.EncodeChat(request.Messages);
            }
            catch (InvalidPromptException e)
            {
                throw new ApiError(400, e.Message, "messages");
            }
            int window = service.Current!.MaxTokens;
            if (ids.Length + request.Decoding.MaxNewTokens > window)
                throw new ApiError(400, $"the messages have {ids.Length} tokens; with max_tokens {request.Decoding.MaxNewTokens} they exceed the model's context of {window}.", "max_tokens");
            var constraint = ResponseConstraints.From(request.ResponseFormat);
            var pending = scheduler.Enqueue(request, new CompletionPrompt(ids, constraint));
            string id = "chatcmpl-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            if (request.Stream)
                await Stream(context, pending, id, created, options.ModelName).ConfigureAwait(false);
            else
            {
                var result = await pending.Result.Task.WaitAsync(context.RequestAborted).ConfigureAwait(false);
                await Json(context, 200, new JsonObject
                {
                    ["id"] = id,
                    ["object"] = "chat.completion",
                    ["created"] = created,
                    ["model"] = options.ModelName,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = result.Text },
                        ["finish_reason"] = FinishName(result.FinishReason),
                    }),
                    ["usage"] = Usage(result),
                }).ConfigureAwait(false);
            }
        }
        catch (ApiError e)
        {
            await Error(context, e).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            // A failure of the model side is the server's fault: said as OpenAI says it, and logged with its stack.
            log.LogError(e, "chat completion failed");
            await Error(context, new ApiError(500, e.Message, type: "server_error")).ConfigureAwait(false);
        }
    }

    /// <summary>Server-sent events as OpenAI sends them: the role, the content piece by piece, the finish reason, optionally the usage, then [DONE].</summary>
    private static async Task Stream(HttpContext context, PendingCompletion pending, string id, long created, string model)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var ct = context.RequestAborted;
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        await Event(response, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null), ct).ConfigureAwait(false);
        try
        {
            await foreach (var piece in pending.Pieces.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                await Event(response, Chunk(new JsonObject { ["content"] = piece }, null), ct).ConfigureAwait(false);
            var result = await pending.Result.Task.WaitAsync(ct).ConfigureAwait(false);
            await Event(response, Chunk([], FinishName(result.FinishReason)), ct).ConfigureAwait(false);
            if (pending.Request.IncludeUsage)
            {
                var usage = Chunk([], null);
                usage["choices"] = new JsonArray();
                usage["usage"] = Usage(result);
                await Event(response, usage, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The status line is gone: the error travels as an event, as OpenAI's streams do.
            await Event(response, new ApiError(500, e.Message, type: "server_error").ToJson(), ct).ConfigureAwait(false);
        }
        await response.WriteAsync("data: [DONE]\n\n", ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task Event(HttpResponse response, JsonObject data, CancellationToken ct)
    {
        await response.WriteAsync("data: " + data.ToJsonString(Compact) + "\n\n", ct).ConfigureAwait(false);
        await response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static JsonObject Usage(Completion result) => new()
    {
        ["prompt_tokens"] = result.PromptTokens,
        ["completion_tokens"] = result.NewIds.Length,
        ["total_tokens"] = result.PromptTokens + result.NewIds.Length,
    };

    private static string FinishName(FinishReason reason) => reason == FinishReason.Eos ? "stop" : "length";

    private static bool Authorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), Encoding.UTF8.GetBytes(token));
    }

    private static Task Error(HttpContext context, ApiError error) => Json(context, error.Status, error.ToJson());

    private static async Task Json(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(Compact), context.RequestAborted).ConfigureAwait(false);
    }
}
