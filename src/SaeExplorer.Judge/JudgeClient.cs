using SaeExplorer.Core.Errors;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using OpenAI;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Runs.Settings;

namespace SaeExplorer.Judge;

/// <summary>How the judge replies in JSON: a schema the server enforces, or "some JSON object" (DeepSeek's JSON mode).</summary>
public enum JudgeResponseFormat
{
    JsonSchema,
    JsonObject,
}

/// <summary>
/// Where the judge lives and how to talk to it. The API key is read from the environment variable
/// <see cref="ApiKeyVariable"/> when the client is made, and is kept nowhere else: not in records, messages or logs.
/// </summary>
/// <param name="BaseUrl">the OpenAI-compatible base URL (the client appends <c>/chat/completions</c>)</param>
/// <param name="Concurrency">calls in flight at once</param>
/// <param name="BlankRetries">extra attempts when a reply has no content (DeepSeek's JSON mode returns empty content now and then)</param>
/// <param name="UsdPerMillionInput">price of input tokens, for the cost estimate (null: unknown)</param>
public sealed record JudgeEndpoint(
    string BaseUrl,
    string Model,
    string ApiKeyVariable = JudgeEndpoint.DefaultKeyVariable,
    JudgeResponseFormat? Format = null,
    int Concurrency = 16,
    int BlankRetries = 3,
    int MaxRetries = 6,
    TimeSpan? AttemptTimeout = null,
    TimeSpan? RetryDelay = null,
    double? UsdPerMillionInput = null,
    double? UsdPerMillionOutput = null)
{
    public const string DefaultUrl = "https://api.deepseek.com";
    public const string DefaultModel = "deepseek-chat";
    public const string DefaultKeyVariable = "DEEPSEEK_API_KEY";

    /// <summary>DeepSeek's API takes <c>json_object</c> only; every other endpoint gets the schema.</summary>
    public JudgeResponseFormat ResponseFormat => Format ?? (Uri.TryCreate(BaseUrl, UriKind.Absolute, out var u) && u.Host.EndsWith("deepseek.com", StringComparison.OrdinalIgnoreCase)
        ? JudgeResponseFormat.JsonObject : JudgeResponseFormat.JsonSchema);

    /// <summary>Checks the settings once, at the edge; every problem names the option that fixes it.</summary>
    public JudgeEndpoint Validated()
    {
        if (!Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new SettingsException(SettingsField.Judge, $"--judge-url '{BaseUrl}' is not an http(s) URL (e.g. {DefaultUrl} or http://127.0.0.1:8000/v1).");
        if (!string.IsNullOrEmpty(uri.UserInfo))
            throw new SettingsException(SettingsField.Judge, "--judge-url must not carry credentials; put the key in an environment variable and name it with --api-key-env.");
        if (string.IsNullOrWhiteSpace(Model))
            throw new SettingsException(SettingsField.Judge, "--judge-model is empty; name the endpoint's model (e.g. deepseek-chat).");
        if (string.IsNullOrWhiteSpace(ApiKeyVariable) || ApiKeyVariable.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
            throw new SettingsException(SettingsField.Judge, $"--api-key-env '{ApiKeyVariable}' is not an environment variable name (letters, digits, '_').");
        if (Concurrency is < 1 or > 256)
            throw new SettingsException(SettingsField.Judge, $"--concurrency {Concurrency} is out of range 1–256.");
        if (BlankRetries is < 0 or > 20 || MaxRetries is < 0 or > 20)
            throw new SettingsException(SettingsField.Judge, "retries must lie in 0–20.");
        return this;
    }

    /// <summary>The origin only (scheme, host, port, path): what verdicts record about the endpoint.</summary>
    public string Describe() => new Uri(BaseUrl).GetLeftPart(UriPartial.Path).TrimEnd('/');
}

/// <summary>The endpoint stayed down (or rate-limited) through every retry: the judging stops; what was answered is stored.</summary>
public sealed class JudgeUnavailableException(string message, Exception inner) : Exception(message, inner), IUserError;

/// <summary>One reply: the cached call, and whether it came from the store.</summary>
public sealed record JudgeReply(JudgeCall Call, bool FromCache);

/// <summary>
/// The judge's one door: every call is looked up in the store first (keyed by model, protocol and a hash of the
/// messages), sent otherwise — at most <see cref="JudgeEndpoint.Concurrency"/> at once, with retries and backoff on
/// 429, 5xx and timeouts (Microsoft.Extensions.Http.Resilience's standard pipeline, which honours Retry-After) and
/// extra attempts on blank content — and stored the moment it returns, so a killed judge resumes where it stopped.
/// </summary>
public sealed class JudgeClient : IDisposable
{
    private readonly IChatClient _chat;
    private readonly ServiceProvider? _services;
    private readonly IJudgeStore _store;
    private readonly SemaphoreSlim _inFlight;
    private readonly Lock _storeLock = new();
    private long _calls, _cached, _inputTokens, _outputTokens;

    public JudgeClient(JudgeEndpoint endpoint, IJudgeStore store)
        : this(endpoint.Validated(), store, CreateChatClient(endpoint, out var services), services)
    {
    }

    /// <summary>Over a given chat client (tests that count calls).</summary>
    public JudgeClient(JudgeEndpoint endpoint, IJudgeStore store, IChatClient chat) : this(endpoint.Validated(), store, chat, null)
    {
    }

    private JudgeClient(JudgeEndpoint endpoint, IJudgeStore store, IChatClient chat, ServiceProvider? services)
    {
        Endpoint = endpoint;
        _store = store;
        _chat = chat;
        _services = services;
        _inFlight = new SemaphoreSlim(endpoint.Concurrency);
    }

    public JudgeEndpoint Endpoint { get; }

    /// <summary>Room for a verdict: four scores and a rationale of <see cref="JudgePrompts.RationaleMaxLength"/> characters, even one byte a token.</summary>
    public const int MaxReplyTokens = 512;

    /// <summary>Calls sent and replies found in the store so far, and the tokens the sent ones cost.</summary>
    public JudgeUsage Usage
    {
        get
        {
            long input = Interlocked.Read(ref _inputTokens), output = Interlocked.Read(ref _outputTokens);
            double? cost = Endpoint.UsdPerMillionInput is { } pi && Endpoint.UsdPerMillionOutput is { } po ? (input * pi + output * po) / 1e6 : null;
            return new JudgeUsage((int)Interlocked.Read(ref _calls), (int)Interlocked.Read(ref _cached), input, output, cost);
        }
    }

    /// <summary>
    /// Lowercase hex SHA-256 of the model id, the protocol version, the response format with its schema and the messages
    /// (role and text of each, as JSON): the same question to the same judge is never paid for twice.
    /// </summary>
    public string Key(IReadOnlyList<ChatMessage> messages, JudgeResponseFormat format, JsonElement schema, string protocol = JudgePrompts.Version) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"saex.judge-call.v1\n{Endpoint.Model}\n{protocol}\n{format}\n{(format == JudgeResponseFormat.JsonSchema ? schema.GetRawText() : "-")}\n{MessagesJson(messages)}")));

    /// <summary>The stored reply to this question, if it was asked before (nothing is sent): how a plan counts what a run will cost.</summary>
    public JudgeCall? Stored(IReadOnlyList<ChatMessage> messages, JsonElement schema, string protocol = JudgePrompts.Version)
    {
        var key = Key(messages, Endpoint.ResponseFormat, schema, protocol);
        lock (_storeLock)
            return _store.TryGetCall(key, out var stored) ? stored : null;
    }

    /// <param name="protocol">the version of the prompts asking (judge, explainer, scorer): part of the cache key and recorded on the call</param>
    public async Task<JudgeReply> AskAsync(IReadOnlyList<ChatMessage> messages, JsonElement schema, string schemaName, CancellationToken cancellation = default,
        string protocol = JudgePrompts.Version)
    {
        var format = Endpoint.ResponseFormat;
        var key = Key(messages, format, schema, protocol);
        lock (_storeLock)
        {
            if (_store.TryGetCall(key, out var stored))
            {
                Interlocked.Increment(ref _cached);
                return new JudgeReply(stored, true);
            }
        }
        // The schema goes to the endpoint as written. Microsoft.Extensions.AI's own json_schema path rewrites schemas for
        // OpenAI's strict mode, moving minimum, maximum and maxLength into descriptions; a server that enforces the
        // schema (saex serve, vLLM) would then allow a score of 83 and a rationale without end.
        var raw = new OpenAI.Chat.ChatCompletionOptions
        {
            ResponseFormat = format == JudgeResponseFormat.JsonSchema
                ? OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat(schemaName, BinaryData.FromString(schema.GetRawText()), jsonSchemaIsStrict: false)
                : OpenAI.Chat.ChatResponseFormat.CreateJsonObjectFormat(),
        };
        var options = new ChatOptions
        {
            ModelId = Endpoint.Model,
            Temperature = 0,
            MaxOutputTokens = MaxReplyTokens,
            RawRepresentationFactory = _ => raw,
        };
        await _inFlight.WaitAsync(cancellation).ConfigureAwait(false);
        JudgeCall call;
        try
        {
            string? reply = null;
            bool refused = false;
            long input = 0, output = 0;
            for (int attempt = 0; attempt <= Endpoint.BlankRetries; attempt++)
            {
                ChatResponse response;
                try
                {
                    response = await _chat.GetResponseAsync(messages, options, cancellation).ConfigureAwait(false);
                }
                catch (ClientResultException e) when (e.Status is 401 or 403)
                {
                    throw new SettingsException(SettingsField.Judge, $"{Endpoint.Describe()} refused the API key (HTTP {e.Status}); check the key in ${Endpoint.ApiKeyVariable}.");
                }
                catch (Exception e) when (e is HttpRequestException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException
                                              or ClientResultException { Status: 0 or >= 500 or 429 or 408 })
                {
                    throw new JudgeUnavailableException($"{Endpoint.Describe()} kept failing after {Endpoint.MaxRetries} retries ({FirstLine(e.Message)}); " +
                        "every reply received so far is stored: run the same command again to resume.", e);
                }
                catch (ClientResultException e) when (e.Status is 400 or 404 or 422)
                {
                    throw new SettingsException(SettingsField.Judge, $"{Endpoint.Describe()} rejected the request (HTTP {e.Status}: {FirstLine(e.Message)}); check --judge-model '{Endpoint.Model}'" +
                        (format == JudgeResponseFormat.JsonSchema ? " and whether the endpoint supports json_schema (--response-format json_object)." : "."));
                }
                Interlocked.Increment(ref _calls);
                input += response.Usage?.InputTokenCount ?? 0;
                output += response.Usage?.OutputTokenCount ?? 0;
                refused = response.FinishReason == ChatFinishReason.ContentFilter;
                reply = response.Text;
                if (refused || !string.IsNullOrWhiteSpace(reply))
                    break;
            }
            Interlocked.Add(ref _inputTokens, input);
            Interlocked.Add(ref _outputTokens, output);
            call = new JudgeCall(key, Endpoint.Model, protocol, MessagesJson(messages),
                string.IsNullOrWhiteSpace(reply) ? null : reply, refused, input, output, DateTimeOffset.UtcNow);
        }
        finally
        {
            _inFlight.Release();
        }
        lock (_storeLock)
            _store.PutCall(call);
        return new JudgeReply(call, false);
    }

    private static string MessagesJson(IReadOnlyList<ChatMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var m in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", m.Role.Value);
                json.WriteString("content", m.Text);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    /// <summary>
    /// An OpenAI chat client over an HttpClient with the standard resilience pipeline (retries on 429, 5xx, 408 and
    /// timeouts with exponential backoff and jitter; the SDK's own retries are off so the two do not multiply).
    /// </summary>
    private static IChatClient CreateChatClient(JudgeEndpoint endpoint, out ServiceProvider services)
    {
        var uri = new Uri(endpoint.BaseUrl);
        var key = Environment.GetEnvironmentVariable(endpoint.ApiKeyVariable);
        if (string.IsNullOrEmpty(key))
        {
            // A local server (saex serve without --api-key) needs no key; anything else does.
            if (!uri.IsLoopback)
                throw new SettingsException(SettingsField.Judge, $"${endpoint.ApiKeyVariable} is not set: export the API key for {endpoint.Describe()} in it (or name another variable with --api-key-env).");
            key = "no-key";
        }
        var collection = new ServiceCollection();
        var attempt = endpoint.AttemptTimeout ?? TimeSpan.FromSeconds(120);
        collection.AddHttpClient("judge", c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddStandardResilienceHandler(o =>
            {
                o.Retry.MaxRetryAttempts = Math.Max(1, endpoint.MaxRetries);
                o.Retry.Delay = endpoint.RetryDelay ?? TimeSpan.FromSeconds(2);
                o.AttemptTimeout.Timeout = attempt;
                o.CircuitBreaker.SamplingDuration = attempt * 2;
                o.TotalRequestTimeout.Timeout = attempt * (endpoint.MaxRetries + 2);
            });
        services = collection.BuildServiceProvider();
        var http = services.GetRequiredService<IHttpClientFactory>().CreateClient("judge");
        var client = new OpenAIClient(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = uri,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = Timeout.InfiniteTimeSpan,
        });
        return client.GetChatClient(endpoint.Model).AsIChatClient();
    }

    public void Dispose()
    {
        _chat.Dispose();
        _services?.Dispose();
        _inFlight.Dispose();
    }
}
