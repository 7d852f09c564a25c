using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed partial class ExperimentsPageTests(DashboardFixture dashboard)
{
    private static ILocator Row(IPage page, string runId) =>
        page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=run-id]", new() { HasTextRegex = new($"^{Regex.Escape(runId)}$") }) });

    private static async Task<int> IntAsync(ILocator cell) => int.Parse((await cell.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_built_in_experiment_runs_to_the_end_with_progress_and_computes_all_300_prompts()
    {
        await dashboard.EnsureBuiltInRunAsync();

        // While it ran, the page showed the stage and how many of the prompts were done.
        Assert.NotNull(dashboard.BuiltInRunProgress);
        Assert.Matches(ProgressLine(), dashboard.BuiltInRunProgress);

        var page = await dashboard.NewPageAsync("/experiments");
        var row = Row(page, dashboard.BuiltInRunId!);
        await Assertions.Expect(row.GetByTestId("run-status")).ToHaveTextAsync("completed");
        // Runs can be told apart: what they read and how (#14 A6).
        await Assertions.Expect(row.GetByTestId("run-setup")).ToHaveTextAsync(new Regex(@"^demo model · SAE \S+ · layer 2 · Llama\S+ · [a-z ]+ · float32 · batch 8$"));
        Assert.Equal(300, await IntAsync(row.GetByTestId("run-prompts")));
        // The fixture's store started empty, so its first run of the set computed every prompt.
        Assert.Equal(300, await IntAsync(row.GetByTestId("run-computed")));
        Assert.Equal(0, await IntAsync(row.GetByTestId("run-cached")));
        await Assertions.Expect(page.GetByTestId("prompt-set-size").First).ToHaveTextAsync("6 conditions × 50 topics = 300 prompts");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_completed_run_opens_on_the_compare_and_umap_pages_from_the_history()
    {
        await dashboard.EnsureBuiltInRunAsync();
        foreach (var (button, path, ready) in new[] { ("open-umap", "/umap", "umap-metrics"), ("open-compare", "/compare", "contrast-summary") })
        {
            var page = await dashboard.NewPageAsync("/experiments");
            var row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=run-id]", new() { HasTextRegex = new($"^{Regex.Escape(dashboard.BuiltInRunId!)}$") }) });
            await dashboard.ClickUntilAtAsync(page, row.GetByTestId(button), "**" + path + "?*");
            await Assertions.Expect(page.GetByTestId(ready)).ToBeVisibleAsync(new() { Timeout = 60_000 });
            // The page shows the run that was opened, not merely the newest.
            await Assertions.Expect(page.GetByTestId("run-picker")).ToContainTextAsync(dashboard.BuiltInRunId!);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_prompt_set_made_in_the_form_is_validated_saved_and_runs_its_six_prompts()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        string name = "form-" + Guid.NewGuid().ToString("N")[..8];
        await page.GetByTestId("new-set-name").FillAsync(name);
        await page.GetByTestId("new-set-description").FillAsync("two styles, three topics");
        await page.GetByTestId("new-condition-name").Nth(0).FillAsync("plain");
        await page.GetByTestId("new-condition-template").Nth(0).FillAsync("Tell me about {topic}.");
        await page.GetByTestId("new-condition-name").Nth(1).FillAsync("curt");
        await page.GetByTestId("new-condition-template").Nth(1).FillAsync("Tell me about topic, briefly.");
        await page.GetByTestId("new-condition-system").Nth(1).FillAsync("Answer in one line.");
        await page.GetByTestId("new-set-topics").FillAsync("barn owls\nriver deltas\ncomet tails");

        // The second template lacks {topic}: the validator's message is shown and nothing is saved.
        await page.GetByTestId("save-prompt-set").ClickAsync();
        await Assertions.Expect(page.GetByTestId("prompt-set-error")).ToContainTextAsync("the template of condition 'curt' has no {topic} placeholder");
        await Assertions.Expect(page.GetByTestId("prompt-set-name").Filter(new() { HasText = name })).ToHaveCountAsync(0);

        await page.GetByTestId("new-condition-template").Nth(1).FillAsync("Tell me about {topic}, briefly.");
        await page.GetByTestId("save-prompt-set").ClickAsync();
        await Assertions.Expect(page.GetByTestId("prompt-set-error")).ToHaveCountAsync(0);
        var listed = page.GetByTestId("prompt-set").Filter(new() { Has = page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(listed.GetByTestId("prompt-set-size")).ToHaveTextAsync("2 conditions × 3 topics = 6 prompts");

        // Saving selects the new set for the run.
        await page.GetByTestId("run-experiment").ClickAsync(new() { Timeout = 120_000 });
        var row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=run-set]", new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(row.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
        Assert.Equal(6, await IntAsync(row.GetByTestId("run-prompts")));
        Assert.Equal(6, await IntAsync(row.GetByTestId("run-computed")));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Importing_malformed_json_shows_an_error_naming_the_file()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "broken-set.json",
            MimeType = "application/json",
            Buffer = Encoding.UTF8.GetBytes("{\"name\": \"broken\", \"conditions\": [ {\"name\": \"a\""),
        });
        await Assertions.Expect(page.GetByTestId("import-error")).ToContainTextAsync("broken-set.json: not valid JSON");
        await Assertions.Expect(page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new("^broken$") })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_imported_file_is_listed_with_its_size()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        string name = "imported-" + Guid.NewGuid().ToString("N")[..8];
        string json = $$"""
            {"name": "{{name}}", "description": "from a file",
             "conditions": [{"name": "a", "template": "What is {topic}?"}, {"name": "b", "template": "Define {topic}.", "system_prompt": "Be exact."}],
             "topics": ["entropy", "momentum"]}
            """;
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "mine.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(json) });
        var listed = page.GetByTestId("prompt-set").Filter(new() { Has = page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(listed.GetByTestId("prompt-set-size")).ToHaveTextAsync("2 conditions × 2 topics = 4 prompts");
        await Assertions.Expect(page.GetByTestId("import-error")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Live_answers_while_a_long_run_computes_and_the_cancelled_run_counts_the_prompts_it_stored()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        string name = "long-" + Guid.NewGuid().ToString("N")[..8];
        // 2 × 600 prompts of ~200 tokens: minutes of work on the demo model, so Live is asked mid-run.
        string filler = string.Join(" ", Enumerable.Repeat("Please be thorough and cover history, mechanisms, examples and open questions.", 15));
        var set = new
        {
            name,
            conditions = new[] { new { name = "a", template = "Explain {topic}. " + filler }, new { name = "b", template = "Describe {topic}. " + filler } },
            topics = Enumerable.Range(0, 600).Select(i => $"topic number {i}").ToArray(),
        };
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "long.json",
            MimeType = "application/json",
            Buffer = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(set),
        });
        var listed = page.GetByTestId("prompt-set").Filter(new() { Has = page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new($"^{name}$") }) });
        // Either the set is listed or the import says why not (its text then shows in the failure).
        await listed.Or(page.GetByTestId("import-error")).First.WaitForAsync();
        await Assertions.Expect(page.GetByTestId("import-error")).ToHaveCountAsync(0);
        await Assertions.Expect(listed.GetByTestId("prompt-set-size")).ToHaveTextAsync("2 conditions × 600 topics = 1200 prompts");
        await page.GetByTestId("run-experiment").ClickAsync(new() { Timeout = 120_000 });
        var progress = page.GetByTestId("run-progress-text");
        await Assertions.Expect(progress).ToHaveTextAsync(new Regex(@"^capture: [1-9]\d* / 1200 prompts$"), new() { Timeout = 60_000 });
        var runRow = page.GetByTestId("run-progress");
        string runId = (await runRow.InnerTextAsync()).Split('·')[1].Split('\n')[0].Trim();

        try
        {
            var live = await dashboard.NewPageAsync("/");
            await live.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");
            await Assertions.Expect(live.GetByTestId("feature-row").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            // Live answered between the run's prompts: the run is still computing.
            await Assertions.Expect(progress).ToHaveTextAsync(new Regex(@"^capture: \d+ / 1200 prompts$"));
            await live.Context.CloseAsync();
        }
        finally
        {
            await page.GetByTestId("cancel-run").ClickAsync();
        }

        var row = Row(page, runId);
        await Assertions.Expect(row.GetByTestId("run-status")).ToHaveTextAsync("cancelled", new() { Timeout = 60_000 });
        // What the run stored before the stop stays cached, and its row says how many (it said 0 and 0).
        int computed = await IntAsync(row.GetByTestId("run-computed"));
        Assert.InRange(computed, 1, 1199);
        Assert.Equal(0, await IntAsync(row.GetByTestId("run-cached")));
        await page.Context.CloseAsync();
    }

    [GeneratedRegex(@"^(capture|analyse): \d+ / \d+ prompts$")]
    private static partial Regex ProgressLine();
}
