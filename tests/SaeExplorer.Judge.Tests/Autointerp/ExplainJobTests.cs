using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SaeExplorer.Core.Analysis.Autointerp;
using SaeExplorer.Core.Features;
using SaeExplorer.Judge.Autointerp;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Storage;
using SaeExplorer.Tests;

namespace SaeExplorer.Judge.Tests.Autointerp;

/// <summary>Explaining and scoring through a real HTTP server whose scorer answers perfectly, always "yes", or not at all.</summary>
public sealed partial class ExplainJobTests
{
    private const string Sae = "sae-fp";

    /// <summary>
    /// 40 documents of 20 tokens " w0".." w19". Feature 0 fires on token 8 of documents 0–19, which reads " HOT" there
    /// (value i + 1); documents 20–39 never say HOT. Feature 1 fires on token 3 everywhere (it cannot be scored: no negatives).
    /// </summary>
    private static ExampleSampler Sampler()
    {
        var docs = Enumerable.Range(0, 40).Select(i =>
        {
            var dense = new float[20 * 3];
            var tokens = Enumerable.Range(0, 20).Select(t => $" w{t}").ToArray();
            if (i < 20)
            {
                tokens[8] = " HOT";
                dense[8 * 3] = i + 1;
            }
            dense[3 * 3 + 1] = 1;
            dense[5 * 3 + 2] = 1;
            return new ExampleDocument($"d{i}", i % 2 == 0 ? "novice" : "expert", ExampleDocument.PromptSource, tokens, SparseFeatureMatrix.FromDense(dense, 20, 3));
        }).ToList();
        return new ExampleSampler(docs);
    }

    private static ExplainRequest Request(params int[] features)
    {
        var sampler = Sampler();
        var options = new ExampleOptions(Explain: 6, Test: 8, Random: 4, Similar: 4, Window: 4);
        return new ExplainRequest(Sae, "run-1", features.Select(f => new ExplainItem(sampler.Sample(f, options))).ToList(),
            [ScoringMethod.Detection, ScoringMethod.Fuzzing], Batch: 5);
    }

    private static JudgeEndpoint Endpoint(ScriptedServer server, string model) =>
        new(server.BaseUrl, model, "SAEX_TEST_NO_SUCH_KEY", JudgeResponseFormat.JsonSchema, Concurrency: 4, RetryDelay: TimeSpan.FromMilliseconds(10));

    /// <summary>The explainer names HOT; the scorer reads each example and answers right (detection: HOT appears; fuzzing: every mark is on HOT).</summary>
    private static Scripted Perfect(JsonObject body)
    {
        var system = body["messages"]![0]!["content"]!.GetValue<string>();
        var user = ScriptedServer.UserText(body);
        if (system.Contains("investigating one feature"))
            return new Scripted(Content: "{\"explanation\":\"the word HOT\"}");
        var examples = ExampleLine().Matches(user).Select(m => m.Groups[1].Value).ToList();
        bool fuzzing = system.Contains("marked");
        var answers = examples.Select(e => fuzzing
            ? Marks().Matches(e).All(m => m.Groups[1].Value == "HOT") ? 1 : 0
            : e.Contains("HOT") ? 1 : 0);
        return new Scripted(Content: $"{{\"answers\":[{string.Join(",", answers)}]}}");
    }

    [Fact]
    public async Task A_perfect_scorer_scores_one_the_calls_are_cached_and_the_plan_counts_them()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        await using var server = new ScriptedServer { Fallback = Perfect };
        using var explainer = new JudgeClient(Endpoint(server, "explainer-model"), store);
        using var scorer = new JudgeClient(Endpoint(server, "scorer-model"), store);
        var request = Request(0, 1);

        // Feature 0: 1 explainer call; 8 activating + 4 random + 4 similar held out = 16 questions per method, 4 batches
        // of at most 5 each. Feature 1 fires everywhere: explained, not scored.
        var plan = ExplainJob.Plan(request, explainer, scorer);
        Assert.Equal((2, 1 + 4 + 4 + 1, 0), (plan.Features, plan.Calls, plan.Stored));
        Assert.True(plan.InputTokens > 0 && plan.OutputTokens > 0);

        var results = await ExplainJob.RunAsync(request, explainer, scorer, store);
        Assert.Equal(10, server.Requests.Count);
        var hot = results.Single(r => r.Feature == 0);
        Assert.Equal((ExplanationOutcomes.Ok, "the word HOT"), (hot.Outcome, hot.Text));
        Assert.Equal(("explainer-model", ExplainerPrompts.ExplainerVersion), (hot.ExplainerModel, hot.PromptVersion));
        Assert.Equal(6, hot.Shown.Count);
        Assert.All(hot.Shown, e => Assert.Contains(" HOT", e.Tokens));
        var detection = hot.Score(ScoringMethod.Detection)!;
        var fuzzing = hot.Score(ScoringMethod.Fuzzing)!;
        Assert.Equal(("scorer-model", 16, 1.0), (detection.ScorerModel, detection.Examples.Count, detection.BalancedAccuracy));
        Assert.Equal((8, 8, 0), (detection.Result.Positives, detection.Result.Negatives, detection.Result.Unanswered));
        Assert.Equal((16, 1.0), (fuzzing.Examples.Count, fuzzing.BalancedAccuracy));
        Assert.Equal(4, fuzzing.Result.Positives);
        // Held-out examples are never among those shown.
        Assert.Empty(detection.Examples.Select(e => e.Example.DocumentId).Intersect(hot.Shown.Select(e => e.DocumentId)));
        var everywhere = results.Single(r => r.Feature == 1);
        Assert.Equal((ExplanationOutcomes.Ok, 0), (everywhere.Outcome, everywhere.Scores.Count));
        Assert.Equal([0, 1], store.LatestExplanations(Sae).Keys.Order());

        // The scorer was held to exactly as many answers as examples, in a schema the server enforces.
        var scorerCall = server.Requests.First(r => r["model"]!.GetValue<string>() == "scorer-model");
        var answers = scorerCall["response_format"]!["json_schema"]!["schema"]!["properties"]!["answers"]!;
        int shown = ExampleLine().Matches(ScriptedServer.UserText(scorerCall)).Count;
        Assert.Equal((shown, shown), (answers["minItems"]!.GetValue<int>(), answers["maxItems"]!.GetValue<int>()));

        // Again: nothing is sent, everything is known in advance to be stored.
        var again = ExplainJob.Plan(request, explainer, scorer);
        Assert.Equal((0, 10), (again.Calls, again.Stored));
        var rerun = await ExplainJob.RunAsync(request, explainer, scorer, store);
        Assert.Equal(10, server.Requests.Count);
        Assert.Equal(hot.Score(ScoringMethod.Fuzzing)!.Result, rerun.Single(r => r.Feature == 0).Score(ScoringMethod.Fuzzing)!.Result);
    }

    [Fact]
    public async Task A_scorer_that_always_says_yes_scores_one_half_and_unreadable_batches_are_unanswered()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        int scorerCalls = 0;
        await using var server = new ScriptedServer
        {
            Fallback = body =>
            {
                if (body["messages"]![0]!["content"]!.GetValue<string>().Contains("investigating one feature"))
                    return new Scripted(Content: "{\"explanation\":\"the word HOT\"}");
                int n = ExampleLine().Matches(ScriptedServer.UserText(body)).Count;
                // The first scorer call answers with one answer too few: its whole batch is unanswered.
                return Interlocked.Increment(ref scorerCalls) == 1
                    ? new Scripted(Content: $"[{string.Join(",", Enumerable.Repeat(1, n - 1))}]")
                    : new Scripted(Content: $"[{string.Join(",", Enumerable.Repeat("true", n))}]");
            },
        };
        using var client = new JudgeClient(Endpoint(server, "m") with { Concurrency = 1 }, store);
        var result = (await ExplainJob.RunAsync(Request(0), client, client, store)).Single();
        var scores = result.Scores;
        Assert.All(scores, s => Assert.Equal(0.5, s.BalancedAccuracy));
        Assert.Equal(5, scores.Sum(s => s.Result.Unanswered));
        Assert.All(scores.SelectMany(s => s.Examples).Where(e => e.Predicted is not null), e => Assert.True(e.Predicted));
    }

    [Fact]
    public async Task An_unreadable_explanation_is_recorded_and_not_scored()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        using var store = FeatureStore.Open(Path.Combine(tmp.Path, "s.db"));
        await using var server = new ScriptedServer { Fallback = _ => new Scripted(Content: "I think it is about heat.") };
        using var client = new JudgeClient(Endpoint(server, "m"), store);
        var result = (await ExplainJob.RunAsync(Request(0), client, client, store)).Single();
        Assert.Equal((ExplanationOutcomes.Unparseable, null, 0), (result.Outcome, result.Text, result.Scores.Count));
        Assert.Single(server.Requests);
        Assert.Empty(store.LatestExplanations(Sae));
        Assert.Single(store.GetExplanations(Sae, 0));
    }

    [Fact]
    public void The_explainer_sees_marked_tokens_their_strengths_and_the_condition_shares()
    {
        var item = Request(0).Features[0];
        var messages = ExplainerPrompts.Explainer(item.Examples.Explain, item.Examples.Conditions, [" hot", "\nwarm"]);
        var user = messages[1].Text;
        Assert.Contains(" <<HOT>>", user);
        // The strongest shown example has strength 10; others are relative to it.
        Assert.Contains("(\"HOT\", 10)", user);
        Assert.Contains("novice 50% (10/20), expert 50% (10/20)", user);
        Assert.Contains("\"\\nwarm\"", user);
        Assert.Equal(6, ExampleLine().Matches(user).Count);
    }

    [Theory]
    [InlineData("{\"answers\":[1,0,1]}", "101")]
    [InlineData("Sure: [1, 0, 1]", "101")]
    [InlineData("{\"answers\":[\"yes\",\"no\",true]}", "101")]
    [InlineData("{\"answers\":[1,0]}", null)]
    [InlineData("{\"answers\":[1,2,0]}", null)]
    [InlineData("nothing", null)]
    public void Scorer_answers_parse_only_with_one_per_example(string reply, string? expected)
    {
        var parsed = ExplainerPrompts.ParseAnswers(reply, 3);
        Assert.Equal(expected, parsed is null ? null : string.Concat(parsed.Select(a => a ? '1' : '0')));
    }

    [Fact]
    public void Marked_runs_share_one_pair_of_delimiters_with_leading_spaces_outside()
    {
        Assert.Equal("a <<b c>> d\\n", ExplainerPrompts.Marked(["a", " b", " c", " d", "\n"], t => t is 1 or 2));
    }

    [GeneratedRegex(@"^Example \d+: (.*)$", RegexOptions.Multiline)]
    private static partial Regex ExampleLine();

    [GeneratedRegex(@"<<(.*?)>>")]
    private static partial Regex Marks();
}
