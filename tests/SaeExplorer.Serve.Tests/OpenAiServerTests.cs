using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SaeExplorer.Inference.Live;
using SaeExplorer.Judge;

namespace SaeExplorer.Serve.Tests;

/// <summary><c>saex serve</c>'s endpoints over the demo model, through real HTTP.</summary>
public sealed class OpenAiServerTests(DemoServer server) : IClassFixture<DemoServer>
{
    private async Task<(HttpStatusCode Status, JsonObject Body)> Post(JsonObject body, HttpClient? client = null)
    {
        using var response = await (client ?? server.Http).PostAsync(server.BaseUrl + "/chat/completions",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    private static JsonObject Chat(string text, object? extra = null)
    {
        var body = new JsonObject
        {
            ["model"] = "saex-demo",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
            ["temperature"] = 0,
            ["max_tokens"] = 12,
        };
        if (extra is JsonObject e)
            foreach (var (k, v) in e)
                body[k] = v?.DeepClone();
        return body;
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        var json = JsonNode.Parse(await server.Http.GetStringAsync(server.BaseUrl + "/models"))!;
        Assert.Equal("saex-demo", json["data"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AGreedyCompletionIsTheGeneratorsAnswer_AndUsageCountsItsTokens()
    {
        var (status, body) = await Post(Chat("Explain gravity."));
        Assert.Equal(HttpStatusCode.OK, status);
        var choice = body["choices"]![0]!;
        var content = choice["message"]!["content"]!.GetValue<string>();
        // The same prompt through the dashboard's generator: the same tokens, hence the same text.
        var live = await server.Service.GenerateAsync(new LiveGeneration(new PromptInput("Explain gravity."), new Runs.Generation.DecodingOptions(12), []), new NoListener());
        Assert.Equal(string.Concat(live.Tokens.Take(live.FinishReason == Inference.Generation.FinishReason.Eos ? live.Tokens.Length - 1 : live.Tokens.Length)), content);
        Assert.Equal(live.NewIds.Length, body["usage"]!["completion_tokens"]!.GetValue<int>());
        Assert.Equal(live.PromptIds.Length, body["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(live.FinishReason == Inference.Generation.FinishReason.Eos ? "stop" : "length", choice["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnderTheJudgesSchemasTheDemoModelReturnsVerdictsThatParse()
    {
        for (int i = 0; i < 4; i++)
        {
            var pointwise = JudgePrompts.Pointwise("Explain entropy.", $"Entropy measures disorder, take {i}.");
            var (status, body) = await Post(Chat("", new JsonObject
            {
                ["messages"] = new JsonArray([.. pointwise.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role.Value, ["content"] = m.Text })]),
                ["max_tokens"] = 400,
                ["response_format"] = new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject { ["name"] = "pointwise_verdict", ["schema"] = JsonNode.Parse(JudgePrompts.PointwiseSchema.GetRawText()) },
                },
            }));
            Assert.Equal(HttpStatusCode.OK, status);
            var reply = body["choices"]![0]!["message"]!["content"]!.GetValue<string>();
            var scores = JudgePrompts.ParsePointwise(reply);
            Assert.True(scores is not null, reply);
            Assert.InRange(scores.Accuracy, 1, 10);
            Assert.True(scores.Rationale.Length <= JudgePrompts.RationaleMaxLength);
            Assert.Equal("stop", body["choices"]![0]!["finish_reason"]!.GetValue<string>());
        }
        var pairwise = JudgePrompts.Pairwise("Explain entropy.", "Disorder.", "Heat over temperature.");
        var (_, pair) = await Post(Chat("", new JsonObject
        {
            ["messages"] = new JsonArray([.. pairwise.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role.Value, ["content"] = m.Text })]),
            ["max_tokens"] = 400,
            ["response_format"] = new JsonObject { ["type"] = "json_schema", ["json_schema"] = new JsonObject { ["name"] = "p", ["schema"] = JsonNode.Parse(JudgePrompts.PairwiseSchema.GetRawText()) } },
        }));
        Assert.NotNull(JudgePrompts.ParsePairwise(pair["choices"]![0]!["message"]!["content"]!.GetValue<string>()));
        var (_, anyObject) = await Post(Chat("Give JSON.", new JsonObject { ["max_tokens"] = 300, ["response_format"] = new JsonObject { ["type"] = "json_object" } }));
        var text = anyObject["choices"]![0]!["message"]!["content"]!.GetValue<string>();
        if (anyObject["choices"]![0]!["finish_reason"]!.GetValue<string>() == "stop")
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind);
        else
            Assert.StartsWith("{", text);
    }

    [Fact]
    public async Task StreamingSendsTheSameTextAsPiecesThenUsageThenDone()
    {
        var (_, whole) = await Post(Chat("Explain tides."));
        var request = new HttpRequestMessage(HttpMethod.Post, server.BaseUrl + "/chat/completions")
        {
            Content = new StringContent(Chat("Explain tides.", new JsonObject { ["stream"] = true, ["stream_options"] = new JsonObject { ["include_usage"] = true } }).ToJsonString(),
                Encoding.UTF8, "application/json"),
        };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        var text = string.Concat(chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>() ?? ""));
        Assert.Equal(whole["choices"]![0]!["message"]!["content"]!.GetValue<string>(), text);
        Assert.Equal(whole["usage"]!.ToJsonString(), chunks[^1]["usage"]!.ToJsonString());
        Assert.Equal(whole["choices"]![0]!["finish_reason"]!.GetValue<string>(), chunks[^2]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task SteeringThroughTheExtensionFieldChangesTheAnswer_AndConcurrentRequestsGetTheirOwnAnswers()
    {
        var prompts = Enumerable.Range(0, 6).Select(i => $"Explain topic number {i}.").ToArray();
        var alone = new List<string>();
        foreach (var p in prompts)
            alone.Add((await Post(Chat(p))).Body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        // Sent together they are decoded as one batch; each must still get exactly its own answer.
        var together = await Task.WhenAll(prompts.Select(p => Post(Chat(p))));
        Assert.Equal(alone, together.Select(t => t.Body["choices"]![0]!["message"]!["content"]!.GetValue<string>()));

        var steered = await Post(Chat(prompts[0], new JsonObject
        {
            ["saex"] = new JsonObject { ["interventions"] = new JsonArray(new JsonObject { ["kind"] = "add", ["feature"] = 3, ["value"] = 40.0 }) },
        }));
        Assert.Equal(HttpStatusCode.OK, steered.Status);
        Assert.NotEqual(alone[0], steered.Body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadRequestsGetOpenAiErrorsNamingTheField()
    {
        using var anonymous = new HttpClient();
        var (status, body) = await Post(Chat("hi"), anonymous);
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("bearer token", body["error"]!["message"]!.GetValue<string>());

        (status, body) = await Post(Chat("hi", new JsonObject { ["n"] = 2 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("n", body["error"]!["param"]!.GetValue<string>());

        (status, body) = await Post(Chat("hi", new JsonObject { ["model"] = "gpt-4o" }));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("saex-demo", body["error"]!["message"]!.GetValue<string>());

        (status, body) = await Post(Chat("hi", new JsonObject { ["response_format"] = new JsonObject { ["type"] = "json_schema", ["json_schema"] = new JsonObject { ["name"] = "x", ["schema"] = new JsonObject { ["type"] = "string", ["pattern"] = "a+" } } } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("response_format", body["error"]!["param"]!.GetValue<string>());
        Assert.Contains("pattern", body["error"]!["message"]!.GetValue<string>());

        (status, body) = await Post(Chat("hi", new JsonObject { ["max_tokens"] = 100_000 }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("context", body["error"]!["message"]!.GetValue<string>());

        (status, _) = await Post(Chat("hi", new JsonObject { ["saex"] = new JsonObject { ["interventions"] = new JsonArray(new JsonObject { ["kind"] = "boost", ["feature"] = 1 }) } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    private sealed class NoListener : Inference.Generation.IGenerationListener
    {
        public void Token(int prompt, int index, int tokenId)
        {
        }

        public void Features(int prompt, int index, Core.Features.SparseVector features)
        {
        }
    }
}
