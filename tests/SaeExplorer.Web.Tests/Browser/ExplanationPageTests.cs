using System.Globalization;
using Microsoft.Playwright;
using SaeExplorer.Core.Features;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Live;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Application.Features;
using static SaeExplorer.Web.Tests.Application.ExplanationTestData;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>
/// A dashboard of its own whose store holds two explanations of <see cref="Feature"/> (a running dashboard holds its
/// store, so they are written before it starts): the newest scored, an older one refused. The feature is the strongest
/// of <see cref="Prompt"/> on the Live page, found by loading the demo model here first, so a Live row shows it too.
/// </summary>
public sealed class ExplanationDashboard : IAsyncLifetime
{
    public const string Prompt = "Explain photosynthesis to a novice.";
    public const string OlderExplainer = "qwen-local";

    public DashboardServer Server { get; private set; } = null!;
    public int Feature { get; private set; }

    public async Task InitializeAsync() =>
        Server = await DashboardServer.StartAsync(async data =>
        {
            // The dashboard finds this demo model in its data folder and loads it as it would one it made itself.
            var demo = DemoModel.EnsureCreated(Path.Combine(data, "demo"));
            using var models = new LiveModelService();
            var info = await models.LoadAsync(ModelSpec.Resolve(demo.ModelDirectory, demo.SaePath, demo.Layer, isDemo: true));
            using var store = FeatureStore.Open(Path.Combine(data, "saex.db"));
            var live = await new AnalyzePromptHandler(models, store).Handle(new AnalyzePromptQuery(new PromptInput(Prompt), PoolingMethod.User), CancellationToken.None);
            Feature = live.Top[0].Feature;
            store.PutExplanation(Refused(info.SaeFingerprint, Feature, "run-a", OlderExplainer, Explained.AddDays(-3)));
            store.PutExplanation(Scored(info.SaeFingerprint, Feature));
        }, new Dictionary<string, string>());

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
    }
}

[Collection(DashboardCollection.Name)]
public sealed class ExplanationPageTests(DashboardFixture dashboard, ExplanationDashboard explained) : IClassFixture<ExplanationDashboard>
{
    private async Task<IPage> OpenAsync(string path)
    {
        var context = await dashboard.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            BaseURL = explained.Server.BaseUrl,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path, new PageGotoOptions { Timeout = 90_000 });
        await page.Locator(".mud-layout").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        return page;
    }

    private static async Task<string[]> CellsAsync(ILocator row) => [.. (await row.Locator("td").AllInnerTextsAsync()).Select(c => c.Trim())];

    [Fact]
    public async Task The_newest_explanation_shows_as_text_with_its_scores_examples_and_questions()
    {
        var page = await OpenAsync($"/feature/{explained.Feature}");
        var card = page.GetByTestId("explanation-card");

        // The markup in the text is text: no element made of it.
        await Assertions.Expect(card.GetByTestId("explanation-text")).ToHaveTextAsync(Text);
        Assert.Equal(0, await card.GetByTestId("explanation-text").Locator("b").CountAsync());
        var detection = card.Locator("[data-testid=score-badge][data-method=detection]");
        var fuzzing = card.Locator("[data-testid=score-badge][data-method=fuzzing]");
        await Assertions.Expect(detection).ToHaveTextAsync("detection 0.82");
        await Assertions.Expect(fuzzing).ToHaveTextAsync("fuzzing 0.71");
        Assert.Equal(
            "detection: given only the explanation, deepseek-chat said whether the feature fires anywhere in each held-out example. " +
            "Balanced accuracy 0.82: 0.50 is chance, 1.00 perfect. 12 questions, 1 unanswered.",
            await detection.GetAttributeAsync("title"));
        Assert.EndsWith("Balanced accuracy 0.71: 0.50 is chance, 1.00 perfect. 10 questions, 0 unanswered.", await fuzzing.GetAttributeAsync("title"));
        await Assertions.Expect(card.GetByTestId("explanation-meta")).ToHaveTextAsync(
            "explained by deepseek-chat · scored by deepseek-chat (saex-score-v1) · prompt saex-explain-v1 · 2025-10-09 14:32 UTC · run run-b · fires in 40 of 300 documents");

        // The example the explainer saw, each token tinted by its share of the peak (3) and its value on hover.
        var tokens = card.GetByTestId("shown-example").Locator("[data-value]");
        Assert.Equal(["I", " am", " a", " beginner", "<i>", " help"], await tokens.AllTextContentsAsync());
        Assert.Equal(0, await card.GetByTestId("shown-example").Locator("i").CountAsync());
        Assert.Null(await tokens.Nth(0).GetAttributeAsync("style"));
        Assert.Equal("background-color: rgba(214, 69, 65, 0.250)", await tokens.Nth(1).GetAttributeAsync("style"));
        Assert.Equal("background-color: rgba(214, 69, 65, 1.000)", await tokens.Nth(3).GetAttributeAsync("style"));
        Assert.Equal("activation 3", await tokens.Nth(3).GetAttributeAsync("title"));

        // The held-out questions, in the stored order: detection's 12, then fuzzing's 10 with the marked token boxed.
        await card.GetByTestId("scored-summary").ClickAsync();
        var rows = card.GetByTestId("scored-row");
        await Assertions.Expect(rows).ToHaveCountAsync(22);
        Assert.Equal(["detection", "activating", "1", "I'm new to this", "yes", "yes", "✓"], await CellsAsync(rows.Nth(0)));
        Assert.Equal(["detection", "activating", "5", "I'm new to this", "yes", "no", "✗"], await CellsAsync(rows.Nth(4)));
        Assert.Equal(["detection", "random", "—", "The tensor rank", "no", "yes", "✗"], await CellsAsync(rows.Nth(7)));
        Assert.Equal(["detection", "similar", "—", "The tensor rank", "no", "no", "✓"], await CellsAsync(rows.Nth(8)));
        Assert.Equal(["detection", "activating", "6", "I'm new to this", "yes", "no answer", "—"], await CellsAsync(rows.Nth(11)));
        Assert.Equal(["fuzzing", "activating", "1", "I'm new to this", "yes", "yes", "✓"], await CellsAsync(rows.Nth(12)));
        Assert.Equal([" new"], await rows.Nth(12).Locator("[data-marked=true]").AllTextContentsAsync());
        Assert.Equal(["I"], await rows.Nth(16).Locator("[data-marked=true]").AllTextContentsAsync());
        Assert.Equal(0, await rows.Nth(0).Locator("[data-marked]").CountAsync());

        // The older one, chosen from the list, says plainly that there is none and offers nothing to accept.
        await page.GetByTestId("explanation-choice").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = ExplanationDashboard.OlderExplainer }).ClickAsync();
        await Assertions.Expect(card.GetByTestId("explanation-outcome")).ToHaveTextAsync($"No explanation: {ExplanationDashboard.OlderExplainer} refused to explain this feature.");
        await Assertions.Expect(card.GetByTestId("score-badge")).ToHaveCountAsync(0);
        await Assertions.Expect(card.GetByTestId("accept-explanation")).ToHaveCountAsync(0);
        await Assertions.Expect(card.GetByTestId("explanation-meta")).ToContainTextAsync("2025-10-06 14:32 UTC · run run-a");

        // A feature nobody explained gets the one-line hint.
        int other = (explained.Feature + 1) % 4096;
        await page.GetByTestId("feature-index").FillAsync(other.ToString(CultureInfo.InvariantCulture));
        await dashboard.ClickUntilOnPathAsync(page, page.GetByTestId("feature-go"), $"/feature/{other}");
        await Assertions.Expect(page.GetByTestId("explanation-none")).ToHaveTextAsync($"No explanation yet — saex explain --store … --run … --features {other} writes one.");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Accept_as_label_saves_it_asks_before_replacing_the_users_own_and_Live_shows_label_and_explanation()
    {
        var page = await OpenAsync($"/feature/{explained.Feature}");
        var label = page.GetByTestId("label-input");
        await Assertions.Expect(label).ToHaveValueAsync("");

        await page.GetByTestId("accept-explanation").ClickAsync();
        await Assertions.Expect(page.GetByTestId("accept-result")).ToHaveTextAsync("Saved as the label.");
        await Assertions.Expect(label).ToHaveValueAsync(Text);
        await Assertions.Expect(page.GetByTestId("notes-input")).ToHaveValueAsync(Notes);
        // Stored: a fresh page reads it back.
        await page.ReloadAsync();
        await Assertions.Expect(label).ToHaveValueAsync(Text);

        // A label of the user's is kept unless they say replace.
        await label.FillAsync("my own label");
        await page.GetByTestId("label-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("label-saved")).ToContainTextAsync("Saved");
        await page.GetByTestId("accept-explanation").ClickAsync();
        await Assertions.Expect(page.GetByTestId("accept-confirm")).ToHaveTextAsync("Replace your label “my own label”?");
        await page.GetByTestId("accept-keep").ClickAsync();
        await Assertions.Expect(page.GetByTestId("accept-result")).ToHaveTextAsync("Your label is kept.");
        await page.ReloadAsync();
        await Assertions.Expect(label).ToHaveValueAsync("my own label");

        // The Live row of the feature: the label first, in bold, then the explanation with its detection score, as text.
        var live = await OpenAsync("/");
        await live.GetByTestId("prompt-input").FillAsync(ExplanationDashboard.Prompt);
        var row = live.GetByTestId("feature-table").Locator("tr", new()
        {
            Has = live.GetByTestId("feature-row").GetByText(explained.Feature.ToString(CultureInfo.InvariantCulture), new() { Exact = true }),
        });
        var cell = row.GetByTestId("feature-label");
        await Assertions.Expect(cell.GetByTestId("label-text")).ToHaveTextAsync("my own label");
        await Assertions.Expect(cell.GetByTestId("explanation-score")).ToHaveTextAsync("0.82");
        await Assertions.Expect(cell.GetByTestId("explanation-text")).ToHaveTextAsync(Text);
        Assert.Equal(["B", "DIV"], await cell.Locator(":scope > *").EvaluateAllAsync<string[]>("es => es.map(e => e.tagName)"));
        Assert.Equal(0, await cell.GetByTestId("explanation-text").Locator("b").CountAsync());
        Assert.Contains("Explained by deepseek-chat on 2025-10-09 14:32 UTC (run run-b). Detection 0.82, fuzzing 0.71: balanced accuracy",
            await cell.GetByTestId("explanation-line").GetAttributeAsync("title"));
        await live.Context.CloseAsync();

        await page.GetByTestId("accept-explanation").ClickAsync();
        await page.GetByTestId("accept-replace").ClickAsync();
        await Assertions.Expect(page.GetByTestId("accept-result")).ToHaveTextAsync("Saved as the label.");
        await page.ReloadAsync();
        await Assertions.Expect(label).ToHaveValueAsync(Text);
        await page.Context.CloseAsync();
    }
}
