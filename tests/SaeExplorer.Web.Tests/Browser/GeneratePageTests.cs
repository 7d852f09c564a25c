using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class GeneratePageTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task A_plain_answer_streams_in_with_its_features_and_the_url_keeps_the_prompt()
    {
        var page = await dashboard.NewPageAsync("/generate");
        await page.GetByTestId("generate-prompt").FillAsync("Explain how a hash map handles collisions.");
        await page.GetByTestId("max-new-tokens").FillAsync("12");
        await page.GetByTestId("generate").ClickAsync();

        var baseline = page.GetByTestId("answer-baseline");
        await Assertions.Expect(baseline.GetByTestId("answer-status")).ToContainTextAsync("tokens ·", new() { Timeout = 60_000 });
        Assert.Equal(0, await page.GetByTestId("answer-steered").CountAsync());
        int tokens = await baseline.GetByTestId("answer-tokens").Locator(".saex-token").CountAsync();
        Assert.InRange(tokens, 1, 12);
        // The strongest features of the answer are listed and the first one tints at least one token.
        await Assertions.Expect(baseline.GetByTestId("answer-feature").First).ToBeVisibleAsync();
        Assert.True(await baseline.GetByTestId("answer-tokens").Locator(".saex-token-active").CountAsync() >= 1);
        Assert.Contains("prompt=Explain how a hash map", Uri.UnescapeDataString(page.Url).Replace('+', ' '));
        Assert.Contains("max=12", page.Url);
    }

    [Fact]
    public async Task Steering_a_feature_shows_baseline_and_steered_side_by_side_and_the_pair_exports()
    {
        // A strong push on one feature, through the URL (as a shared link would carry it).
        var page = await dashboard.NewPageAsync("/generate?prompt=Write%20a%20haiku%20about%20rivers.&steer=add:5:40&max=10");
        await Assertions.Expect(page.GetByTestId("steer-row")).ToHaveCountAsync(1);
        await page.GetByTestId("generate").ClickAsync();

        var baseline = page.GetByTestId("answer-baseline");
        var steered = page.GetByTestId("answer-steered");
        await Assertions.Expect(baseline.GetByTestId("answer-status")).ToContainTextAsync("tokens ·", new() { Timeout = 60_000 });
        await Assertions.Expect(steered.GetByTestId("answer-status")).ToContainTextAsync("tokens ·", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("tint-caption")).ToContainTextAsync("feature #5");
        var plainText = await baseline.GetByTestId("answer-tokens").InnerTextAsync();
        var steeredText = await steered.GetByTestId("answer-tokens").InnerTextAsync();
        Assert.NotEqual(plainText, steeredText);

        var json = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-generation-json").ClickAsync());
        Assert.Equal("generation.json", json.SuggestedFilename);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(await json.PathAsync()));
        var root = doc.RootElement;
        Assert.Equal("Write a haiku about rivers.", root.GetProperty("prompt").GetString());
        var intervention = Assert.Single(root.GetProperty("interventions").EnumerateArray());
        Assert.Equal("add", intervention.GetProperty("kind").GetString());
        Assert.Equal(5, intervention.GetProperty("feature").GetInt32());
        var answers = root.GetProperty("answers").EnumerateArray().ToArray();
        Assert.Equal(["baseline", "steered"], answers.Select(a => a.GetProperty("side").GetString()));
        Assert.All(answers, a => Assert.InRange(a.GetProperty("token_ids").GetArrayLength(), 1, 10));

        var md = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-generation-md").ClickAsync());
        var markdown = await File.ReadAllTextAsync(await md.PathAsync());
        Assert.Contains("## Baseline", markdown);
        Assert.Contains("## Steered", markdown);
        Assert.Contains("add 5:40", markdown);
    }

    [Fact]
    public async Task Cancel_stops_a_long_answer_and_live_prompts_still_answer_meanwhile()
    {
        var page = await dashboard.NewPageAsync("/generate?prompt=Tell%20me%20a%20very%20long%20story.&max=4000");
        await page.GetByTestId("generate").ClickAsync();
        var status = page.GetByTestId("answer-baseline").GetByTestId("answer-status");
        await Assertions.Expect(status).ToContainTextAsync("tokens…", new() { Timeout = 60_000 });

        // Another tab's live prompt is served between the decoding steps.
        var live = await dashboard.NewPageAsync("/");
        await live.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");
        await Assertions.Expect(live.GetByTestId("feature-row").First).ToBeVisibleAsync(new() { Timeout = 60_000 });

        await page.GetByTestId("cancel").ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("cancelled", new() { Timeout = 30_000 });
        int shown = await page.GetByTestId("answer-baseline").GetByTestId("answer-tokens").Locator(".saex-token").CountAsync();
        Assert.InRange(shown, 1, 3999);
        await Assertions.Expect(page.GetByTestId("generate")).ToBeEnabledAsync();
    }

    [Fact]
    public async Task A_feature_outside_the_sae_is_refused_with_a_message()
    {
        var page = await dashboard.NewPageAsync("/generate?prompt=Hello&steer=clamp:99999999:1&max=4");
        await page.GetByTestId("generate").ClickAsync();
        await Assertions.Expect(page.GetByTestId("generate-error")).ToContainTextAsync("outside the SAE's 0..");
        Assert.Equal(0, await page.GetByTestId("answer-baseline").CountAsync());
    }
}
