using Microsoft.Playwright;
using SaeExplorer.Tests;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>
/// Every page at desktop width on the demo model, with a run of the built-in experiment: each must render its main
/// content without a browser console error. With SAEX_SCREENSHOTS set (docs/screenshots/make.sh) the pictures are
/// kept there for the README.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class ScreenshotTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task Every_page_renders_without_console_errors()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var target = Environment.GetEnvironmentVariable("SAEX_SCREENSHOTS");
        using var temp = new TempDirectory();
        var folder = string.IsNullOrEmpty(target) ? temp.Path : target;
        Directory.CreateDirectory(folder);

        var shots = new (string Name, string Path, Func<IPage, Task> Ready)[]
        {
            ("live", "/", async page =>
            {
                await page.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions, as if I were a novice.");
                await page.GetByTestId("feature-row").Nth(1).ClickAsync();
                await Assertions.Expect(page.GetByText("Heat: feature")).ToBeVisibleAsync();
                await page.GetByTestId("token-strip").Locator(".saex-token", new() { HasText = "collisions" }).ClickAsync();
                await Assertions.Expect(page.GetByTestId("token-feature-row").First).ToBeVisibleAsync();
            }),
            ("live-compare", "/", async page =>
            {
                await page.GetByTestId("prompt-input").FillAsync("hey so like what even is a hash map lol");
                await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
                await page.GetByTestId("compare-toggle").ClickAsync();
                await page.GetByTestId("prompt-b-input").FillAsync("Characterise the amortised cost of open addressing under linear probing.");
                await Assertions.Expect(page.GetByTestId("only-b-row").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await page.GetByTestId("only-b-row").First.ClickAsync();
                await page.GetByTestId("live-pair").ScrollIntoViewIfNeededAsync();
            }),
            ("generate", "/generate?prompt=Explain%20how%20a%20hash%20map%20handles%20collisions.&steer=add:5:20&max=40", async page =>
            {
                await page.GetByTestId("generate").ClickAsync();
                await Assertions.Expect(page.GetByTestId("answer-steered").GetByTestId("answer-status")).ToContainTextAsync("tokens ·", new() { Timeout = 60_000 });
                await Assertions.Expect(page.GetByTestId("answer-baseline").GetByTestId("answer-status")).ToContainTextAsync("tokens ·", new() { Timeout = 60_000 });
            }),
            // The dashboard does not answer a run's prompts, so unless a store was given answers the page says how to get some;
            // AnswersPageTests check answers and verdicts for console errors on a store that has them.
            ("answers", "/answers", page => Assertions.Expect(page.GetByTestId("no-answers").Or(page.GetByTestId("answers-card").First)).ToBeVisibleAsync()),
            ("compare", dashboard.WithBuiltInRun("/compare"), async page =>
            {
                await Assertions.Expect(page.GetByTestId("differential-link").First).ToBeVisibleAsync();
                await Assertions.Expect(page.GetByTestId("condition-counts").Locator("g.point")).ToHaveCountAsync(6);
            }),
            ("compare-volcano", dashboard.WithBuiltInRun("/compare"), async page =>
            {
                await Assertions.Expect(page.GetByTestId("volcano-plot").Locator("svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
                await page.GetByTestId("volcano-plot").ScrollIntoViewIfNeededAsync();
            }),
            ("feature", dashboard.WithBuiltInRun("/feature/" + await TopFeatureAsync()), page => Assertions.Expect(page.GetByTestId("feature-distribution").Locator("svg.main-svg").First).ToBeVisibleAsync()),
            ("feature-depth", dashboard.WithBuiltInRun("/feature/" + await TopFeatureAsync()), async page =>
            {
                await Assertions.Expect(page.GetByTestId("feature-topics").Locator("svg.main-svg").First).ToBeVisibleAsync();
                await Assertions.Expect(page.GetByTestId("density-histogram").Locator("svg.main-svg").First).ToBeVisibleAsync();
                await page.GetByTestId("feature-density").ScrollIntoViewIfNeededAsync();
            }),
            ("umap", dashboard.WithBuiltInRun("/umap?colour=topic"), async page =>
            {
                await Assertions.Expect(page.GetByTestId("umap-metrics")).ToBeVisibleAsync(new() { Timeout = 60_000 });
                // The metrics table comes with the fit; both maps' points are drawn once Plotly has loaded.
                await Assertions.Expect(page.Locator("[data-testid^=umap-plot-] g.trace.scatter").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await Assertions.Expect(page.Locator("[data-testid^=umap-plot-]").Nth(1).Locator("g.trace.scatter").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }),
            ("experiments", "/experiments", page => Assertions.Expect(page.GetByTestId("run-history")).ToBeVisibleAsync()),
            ("settings", "/settings", page => Assertions.Expect(page.GetByTestId("apply-settings")).ToBeVisibleAsync()),
        };
        foreach (var (name, path, ready) in shots)
        {
            var errors = new List<string>();
            var page = await dashboard.NewPageAsync(path, errors);
            await ready(page);
            // Let charts finish their layout transitions before the picture.
            await page.WaitForTimeoutAsync(600);
            var file = Path.Combine(folder, $"{name}.png");
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = false });
            Assert.True(new FileInfo(file).Length > 20_000, $"{name}: the screenshot is nearly empty");
            Assert.True(errors.Count == 0, $"{name}: console errors: {string.Join(" | ", errors)}");
            await page.Context.CloseAsync();
        }
    }

    private async Task<int> TopFeatureAsync()
    {
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare"));
        var link = page.GetByTestId("differential-link").First;
        await Assertions.Expect(link).ToBeVisibleAsync();
        int feature = int.Parse((await link.InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
        return feature;
    }
}
