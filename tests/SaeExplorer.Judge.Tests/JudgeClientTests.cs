using System.Text;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Tests;

namespace SaeExplorer.Judge.Tests;

/// <summary>The judge client against a real HTTP server that misbehaves on cue.</summary>
public sealed class JudgeClientTests
{
    private static JudgeEndpoint Endpoint(ScriptedServer server, string keyVariable = "SAEX_TEST_NO_SUCH_KEY") =>
        new(server.BaseUrl, "scripted-judge", keyVariable, JudgeResponseFormat.JsonSchema, Concurrency: 4, RetryDelay: TimeSpan.FromMilliseconds(10),
            AttemptTimeout: TimeSpan.FromSeconds(1));

    private static async Task<(JudgementSet Set, FeatureStore Store)> Judge(ScriptedServer server, string storePath, JudgeProtocol protocol, JudgeEndpoint? endpoint = null)
    {
        var store = FeatureStore.Open(storePath);
        var runId = store.ListRuns().FirstOrDefault()?.RunId ?? JudgeTestData.Seed(store);
        var arms = store.ListArms(runId).Select(a => store.GetAnswerSet(runId, a)!).ToList();
        using var client = new JudgeClient(endpoint ?? Endpoint(server), store);
        var set = await JudgeJob.RunAsync(JudgeTestData.Set, new JudgeRequest(runId, arms, protocol), client);
        return (set, store);
    }

    [Fact]
    public async Task BlankContentIsAskedAgain_429AndSlowRepliesAreRetried_InvalidJsonIsUnparseable()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        await using var server = new ScriptedServer();
        // Pointwise over 6 answers, one call at a time in script order is not guaranteed, so every scripted fault
        // lands on some call: a blank reply, a 429 with Retry-After, a reply slower than the attempt timeout, a 503.
        server.Enqueue(
            new Scripted(Content: ""),
            new Scripted(Status: 429, RawBody: "{\"error\":{\"message\":\"rate limited\"}}", RetryAfter: "0"),
            new Scripted(Delay: TimeSpan.FromSeconds(3), Content: "{\"accuracy\":1}"),
            new Scripted(Status: 503, RawBody: "{\"error\":{\"message\":\"overloaded\"}}"),
            new Scripted(Content: "this is not json"));
        var (set, store) = await Judge(server, Path.Combine(tmp.Path, "s.db"), JudgeProtocol.Pointwise);
        using (store)
        {
            Assert.Equal(6, set.Pointwise.Count);
            // The blank, the 429, the timeout and the 503 each cost one extra request; the invalid reply is a verdict of its own.
            Assert.Equal(6 + 4, server.Requests.Count);
            var failed = Assert.Single(set.Pointwise, v => v.Outcome != JudgeOutcomes.Ok);
            Assert.Equal(JudgeOutcomes.Unparseable, failed.Outcome);
            Assert.Null(failed.Score);
            Assert.All(set.Pointwise.Where(v => v.Outcome == JudgeOutcomes.Ok), v => Assert.Equal(7.0, v.Score));
            // Counted by the client: 7 successful HTTP exchanges reached it (the blank and 6 verdicts); the retried faults did not.
            Assert.Equal(7, set.Usage.Calls);
            Assert.Equal(7 * 100, set.Usage.InputTokens);
        }
    }

    [Fact]
    public async Task RerunMakesNoCalls_AndAContentFilterIsARefusal()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        string path = Path.Combine(tmp.Path, "s.db");
        await using var server = new ScriptedServer();
        server.Enqueue(new Scripted(Content: "", FinishReason: "content_filter"));
        var (first, store) = await Judge(server, path, JudgeProtocol.Both);
        store.Dispose();
        int calls = server.Requests.Count;
        // 6 pointwise + 3 pairs × 2 topics × 2 orders.
        Assert.Equal(6 + 12, calls);
        Assert.Equal(JudgeOutcomes.Refused, Assert.Single(first.Pointwise.Concat<object>(first.Pairwise), v => v is PointwiseVerdict { Outcome: JudgeOutcomes.Refused } or PairwiseVerdict { Outcome: JudgeOutcomes.Refused }) switch
        {
            PointwiseVerdict p => p.Outcome,
            PairwiseVerdict q => q.Outcome,
            _ => "",
        });

        var (second, again) = await Judge(server, path, JudgeProtocol.Both);
        using (again)
        {
            Assert.Equal(calls, server.Requests.Count);
            Assert.Equal(0, second.Usage.Calls);
            Assert.Equal(18, second.Usage.Cached);
            Assert.Equal(first.Pointwise, second.Pointwise);
            Assert.Equal(first.Pairwise, second.Pairwise);
        }
    }

    [Fact]
    public async Task TheJudgeIsBlind_AndEveryPairIsAskedInBothOrders()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        await using var server = new ScriptedServer();
        var (set, store) = await Judge(server, Path.Combine(tmp.Path, "s.db"), JudgeProtocol.Both);
        using (store)
        {
            foreach (var body in server.Requests)
            {
                var user = ScriptedServer.UserText(body);
                // The neutral question only: the standard template, never a styled prompt or a condition name.
                Assert.Matches(@"^Question:\nExplain (gravity|entropy)\.\n\n", user);
                Assert.DoesNotContain("to a novice", user);
                Assert.DoesNotContain("to an expert", user);
                var system = body["messages"]![0]!["content"]!.GetValue<string>();
                Assert.DoesNotContain("novice", system);
                Assert.DoesNotContain("expert style", system);
                Assert.Equal(0, body["temperature"]!.GetValue<double>());
                Assert.Equal("json_schema", body["response_format"]!["type"]!.GetValue<string>());
                // The schema arrives as written: bounds and lengths are not moved into descriptions (as
                // Microsoft.Extensions.AI's strict-mode rewrite would), so a schema-enforcing server keeps scores in 1–10.
                var properties = body["response_format"]!["json_schema"]!["schema"]!["properties"]!;
                Assert.Equal(JudgePrompts.RationaleMaxLength, properties["rationale"]!["maxLength"]!.GetValue<int>());
                if (!ScriptedServer.IsPairwise(body))
                    Assert.Equal((1, 10), (properties["accuracy"]!["minimum"]!.GetValue<int>(), properties["accuracy"]!["maximum"]!.GetValue<int>()));
            }
            // Every pair once in each order.
            var orders = set.Pairwise.Select(v => (v.First.PromptId, v.Second.PromptId)).ToHashSet();
            Assert.Equal(12, orders.Count);
            Assert.All(orders, o => Assert.Contains((o.Item2, o.Item1), orders));
            // The scripted judge always says "A": every pair is position-inconsistent.
            Assert.All(set.Pairwise, v => Assert.Equal("A", v.Preferred));
        }
    }

    [Fact]
    public async Task TheApiKeyIsSentButWrittenNowhere()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        const string variable = "SAEX_JUDGE_TEST_KEY";
        string secret = "sk-test-" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            await using var server = new ScriptedServer();
            string storePath = Path.Combine(tmp.Path, "s.db");
            var endpoint = Endpoint(server, variable);
            var (set, store) = await Judge(server, storePath, JudgeProtocol.Both, endpoint);
            string outFile = Path.Combine(tmp.Path, "judgements.json");
            Runs.Contracts.JudgementsFile.Write(outFile, set);
            store.Dispose();
            Assert.All(server.Authorizations, a => Assert.Equal("Bearer " + secret, a));
            foreach (var file in Directory.EnumerateFiles(tmp.Path, "*", SearchOption.AllDirectories))
            {
                var bytes = File.ReadAllBytes(file);
                Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(secret)), $"{file} holds the API key");
                Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(secret)), $"{file} holds the API key (UTF-16)");
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task ARefusedKeyStopsTheJudgeWithOneLineNamingTheVariable()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        await using var server = new ScriptedServer { Fallback = _ => new Scripted(Status: 401, RawBody: "{\"error\":{\"message\":\"bad key\"}}") };
        var e = await Assert.ThrowsAsync<SettingsException>(async () => (await Judge(server, Path.Combine(tmp.Path, "s.db"), JudgeProtocol.Pointwise)).Store.Dispose());
        Assert.Contains("$SAEX_TEST_NO_SUCH_KEY", e.Message);
        Assert.Contains("HTTP 401", e.Message);
    }

    [Fact]
    public void ARemoteEndpointWithoutItsKeyIsRefusedBeforeAnyCall()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        var e = Assert.Throws<SettingsException>(() => new JudgeClient(new JudgeEndpoint(JudgeEndpoint.DefaultUrl, "deepseek-chat", "SAEX_TEST_NO_SUCH_KEY"), store));
        Assert.Contains("$SAEX_TEST_NO_SUCH_KEY is not set", e.Message);
        Assert.Equal(JudgeResponseFormat.JsonObject, new JudgeEndpoint(JudgeEndpoint.DefaultUrl, "deepseek-chat").ResponseFormat);
        Assert.Throws<SettingsException>(() => new JudgeEndpoint("https://user:pw@example.com/v1", "m").Validated());
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
