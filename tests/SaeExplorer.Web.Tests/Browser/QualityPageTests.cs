using Microsoft.Playwright;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Generation;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>
/// The Quality page over a store holding a judged run (made here, before the dashboard starts, since a running
/// dashboard holds its store): the numbers, the scatter's hover and click, the address.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class QualityPageTests(DashboardFixture dashboard)
{
    private static readonly PromptSet Set = new("quality-page", "three styles, eight topics",
        [new Condition("standard", "Explain {topic}."), new Condition("novice", "Explain {topic} to a novice."), new Condition("expert", "Explain {topic} to an expert.")],
        [.. Enumerable.Range(0, 8).Select(i => $"topic {i}")]);

    /// <summary>
    /// A judge that scores an answer by its length and prefers the longer one in both orders; answers grow from
    /// standard to novice to expert, with an answer holding markup to prove it stays text.
    /// </summary>
    private static string Seed(string dataDirectory)
    {
        using var store = FeatureStore.Open(Path.Combine(dataDirectory, "saex.db"));
        var hash = new RunLifecycle(store).Register(Set);
        var run = store.CreateRun(new RunSpec(Set.Name, hash, new CacheIdentity("m", "s", 2, ComputeDType.Float32, "Llama3", 8), PoolingMethod.Last, 24));
        store.UpdateRun(run with { Status = RunStatus.Completed, FinishedAt = DateTimeOffset.UtcNow });
        var prompts = PromptSets.Expand(Set);
        int Length(ExperimentPrompt p) => 10 + 10 * Set.Conditions.ToList().FindIndex(c => c.Name == p.Condition) + p.Topic[^1] - '0';
        var answers = prompts.Select(p => new RunAnswer(p.Id, p.Topic, p.Condition, "k-" + p.Id,
            p.Id == "expert/topic-3" ? "<b>not bold</b> and a long expert answer" : $"Answer to {p.Topic} for {p.Condition}.",
            Length(p), FinishReasons.Eos, 20 + Length(p), 30 + Length(p) / 10.0, 100 + Length(p))).ToList();
        store.PutAnswerSet(new RunAnswerSet(run.RunId, RunAnswerSet.BaselineArm, new DecodingOptions(64), [], InterventionScope.All, DateTimeOffset.UtcNow, answers));
        var byId = answers.ToDictionary(a => a.PromptId);
        var pointwise = answers.Select(a =>
        {
            int s = Math.Clamp(a.AnswerTokens / 5, 1, 10);
            return new PointwiseVerdict(new AnswerRef(RunAnswerSet.BaselineArm, a.PromptId), a.Topic, a.Condition, JudgeOutcomes.Ok, s, s, s, s, "by length", "c-" + a.PromptId);
        }).ToList();
        var pairwise = new List<PairwiseVerdict>();
        foreach (var topic in answers.GroupBy(a => a.Topic))
            foreach (var x in topic)
                foreach (var y in topic.Where(y => y.PromptId != x.PromptId))
                    pairwise.Add(new PairwiseVerdict(x.Topic, new AnswerRef("baseline", x.PromptId), new AnswerRef("baseline", y.PromptId), JudgeOutcomes.Ok,
                        x.AnswerTokens > y.AnswerTokens ? "A" : "B", "longer", $"p-{x.PromptId}-{y.PromptId}"));
        store.PutJudgements(new JudgementSet(run.RunId, "length-judge", "http://127.0.0.1:1/v1", "saex-judge-v1", 0, DateTimeOffset.UtcNow, pointwise, pairwise,
            new JudgeUsage(pointwise.Count + pairwise.Count, 0, 0, 0, null)));
        return run.RunId;
    }

    [Fact]
    public async Task A_judged_run_shows_its_numbers_and_the_scatter_opens_an_answer()
    {
        string runId = "";
        await using var server = await DashboardServer.StartAsync(data => runId = Seed(data));
        var context = await dashboard.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 }, BaseURL = server.BaseUrl });
        var errors = new List<string>();
        var page = await context.NewPageAsync();
        page.Console += (_, m) => { if (m.Type == "error") lock (errors) errors.Add(m.Text); };
        await page.GotoAsync("/quality?x=length", new PageGotoOptions { Timeout = 90_000 });

        await Assertions.Expect(page.GetByTestId("quality-condition")).ToHaveCountAsync(3, new() { Timeout = 60_000 });
        // The judge always prefers the longer answer, and the longer answer always wins.
        await Assertions.Expect(page.GetByTestId("quality-bias")).ToContainTextAsync("the longer answer won 100% of 48 decisive verdicts");
        await Assertions.Expect(page.GetByTestId("quality-bias")).ToContainTextAsync("agreed on 100% of 24 pairs");
        // Scores are tokens / 5 (integer): expert answers have 30–37 tokens → 6,6,6,6,6,7,7,7 → 6.38; standard's 10–17 → 2.38.
        await Assertions.Expect(page.GetByTestId("quality-condition").Filter(new() { HasText = "expert" })).ToContainTextAsync("6.38");
        await Assertions.Expect(page.GetByTestId("quality-condition").Filter(new() { HasText = "standard" })).ToContainTextAsync("2.38");
        await Assertions.Expect(page.GetByTestId("quality-partial")).ToHaveCountAsync(3);
        Assert.Contains($"run={runId}", page.Url);
        Assert.Contains("judge=length-judge", page.Url);

        // 24 points in three traces; hovering one reads its answer, clicking it opens its topic on the Answers page.
        var plot = page.GetByTestId("quality-plot");
        await Assertions.Expect(plot).ToHaveAttributeAsync("data-click-ready", "true", new() { Timeout = 60_000 });
        var points = plot.Locator(".scatterlayer .trace .points path");
        await Assertions.Expect(points).ToHaveCountAsync(24);
        var hover = page.Locator(".hoverlayer .hovertext");
        string hoverText = "";
        for (int attempt = 1; !page.Url.Contains("/answers?"); attempt++)
        {
            // Measured afresh on every try: a late layout pass can move the point (as on the UMAP page).
            var box = (await points.First.BoundingBoxAsync())!;
            float x = box.X + box.Width / 2, y = box.Y + box.Height / 2;
            await page.Mouse.MoveAsync(x, y);
            await Assertions.Expect(hover).ToBeVisibleAsync();
            hoverText = await hover.TextContentAsync() ?? "";
            await page.Mouse.ClickAsync(x, y);
            try
            {
                await page.WaitForURLAsync("**/answers?**", new() { Timeout = 15_000 });
            }
            catch (TimeoutException) when (attempt < 3)
            {
            }
        }
        Assert.Contains("score", hoverText);
        Assert.Contains($"run={runId}", page.Url);
        Assert.Contains("topic=topic", Uri.UnescapeDataString(page.Url).Replace('+', ' '));
        Assert.Empty(errors);
        await context.CloseAsync();
    }
}
