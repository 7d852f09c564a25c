using System.Diagnostics;
using Microsoft.Playwright;
using SaeExplorer.Storage;
using SaeExplorer.Tests;
using SaeExplorer.Web.Tests.Application;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>
/// A dashboard of its own whose store holds runs with answers written before it started (a running dashboard holds its
/// store): one judged, two to judge from the page. Its process alone has <see cref="KeyVariable"/> set to <see cref="Secret"/>.
/// </summary>
public sealed class AnswersDashboard : IAsyncLifetime
{
    public string KeyVariable { get; } = $"SAEX_TEST_{Guid.NewGuid():N}_API_KEY";
    public string Secret { get; } = $"sk-saex-{Guid.NewGuid():N}{Guid.NewGuid():N}";
    public DashboardServer Server { get; private set; } = null!;
    public string JudgedRun { get; private set; } = "";
    public string RunToJudge { get; private set; } = "";
    public string RunForTheKey { get; private set; } = "";

    public async Task InitializeAsync() =>
        Server = await DashboardServer.StartAsync(data =>
        {
            using var store = FeatureStore.Open(Path.Combine(data, "saex.db"));
            RunToJudge = AnswersTestData.Seed(store, judged: false);
            RunForTheKey = AnswersTestData.Seed(store, judged: false);
            // Last, so it is the newest: a bare /answers opens it.
            JudgedRun = AnswersTestData.Seed(store, judged: true);
        }, new Dictionary<string, string> { [KeyVariable] = Secret });

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
    }
}

[Collection(DashboardCollection.Name)]
public sealed class AnswersPageTests(DashboardFixture dashboard, AnswersDashboard answers) : IClassFixture<AnswersDashboard>
{
    private async Task<IPage> OpenAsync(string path, List<string>? consoleErrors = null)
    {
        var context = await dashboard.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            BaseURL = answers.Server.BaseUrl,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        if (consoleErrors is not null)
        {
            page.Console += (_, m) => { if (m.Type == "error") lock (consoleErrors) consoleErrors.Add(m.Text); };
            page.PageError += (_, e) => { lock (consoleErrors) consoleErrors.Add(e); };
        }
        await page.GotoAsync(path, new PageGotoOptions { Timeout = 90_000 });
        await page.Locator(".mud-layout").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        return page;
    }

    private static ILocator Card(IPage page, string condition) => page.Locator($"[data-testid=answers-card][data-condition={condition}]");

    /// <summary>Opens a MudSelect (or autocomplete) by its test id and clicks the option with this text.</summary>
    private static async Task ChooseAsync(IPage page, string testId, string option)
    {
        await page.GetByTestId(testId).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new($"^\\s*{System.Text.RegularExpressions.Regex.Escape(option)}\\s*$") }).ClickAsync();
    }

    /// <summary>Points the judge settings at <paramref name="url"/> through the Settings page and returns the page's HTML.</summary>
    private async Task<string> UseJudgeAsync(string url, string model, string keyVariable, bool keySet = true)
    {
        var page = await OpenAsync("/settings");
        await page.GetByTestId("judge-url").FillAsync(url);
        await page.GetByTestId("judge-model").FillAsync(model);
        await page.GetByTestId("judge-key-variable").FillAsync(keyVariable);
        await page.GetByTestId("judge-concurrency").FillAsync("4");
        await page.GetByTestId("apply-judge-settings").ClickAsync();
        await Assertions.Expect(page.GetByTestId("judge-settings-message")).ToContainTextAsync("judges with these settings now");
        await Assertions.Expect(page.GetByTestId("judge-key-status")).ToContainTextAsync($"{keyVariable} is {(keySet ? "set" : "not set")}");
        string html = await page.ContentAsync();
        await page.Context.CloseAsync();
        return html;
    }

    [Fact]
    public async Task Seeded_answers_show_side_by_side_as_text_with_their_sizes_scores_and_pairs()
    {
        var errors = new List<string>();
        var page = await OpenAsync($"/answers?run={answers.JudgedRun}&topic=gravity&judge={AnswersTestData.Judge}", errors);

        var cards = page.GetByTestId("answers-card");
        await Assertions.Expect(cards).ToHaveCountAsync(4);
        Assert.Equal(["novice", "expert", "standard", "padding"], await cards.EvaluateAllAsync<string[]>("cs => cs.map(c => c.dataset.condition)"));
        // Two to a row at 1440 pixels.
        var tops = await cards.EvaluateAllAsync<double[]>("cs => cs.map(c => Math.round(c.getBoundingClientRect().top))");
        Assert.Equal([tops[0], tops[0], tops[2], tops[2]], tops);
        Assert.True(tops[2] > tops[0]);

        // The markup is text: no element made of it, no script run; innerText follows the rendering, so the line break was kept.
        var novice = Card(page, "novice");
        var text = novice.GetByTestId("answer-text");
        Assert.Equal(AnswersTestData.MarkupAnswer, await text.InnerTextAsync());
        Assert.Equal(0, await text.Locator("b, script").CountAsync());
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.saexHacked"));
        await Assertions.Expect(novice.GetByTestId("answer-size")).ToHaveTextAsync($"16 tokens · {AnswersTestData.MarkupAnswer.Length} characters · stopped by itself");
        await Assertions.Expect(novice.GetByTestId("answer-features")).ToContainTextAsync("prompt: 106 active features");
        await Assertions.Expect(novice.GetByTestId("answer-features")).ToContainTextAsync("206 distinct");
        await Assertions.Expect(Card(page, "padding").GetByTestId("answer-size")).ToContainTextAsync("cut at the token limit");

        // Scores: the four criteria and their mean, with the rationale; expert's reply was no verdict.
        Assert.Equal(["9", "8", "7", "6", "7.50"], (await novice.GetByTestId("rubric").Locator("tbody td").AllInnerTextsAsync()).Select(t => t.Trim()));
        await Assertions.Expect(novice.GetByTestId("rubric-rationale")).ToContainTextAsync("novice on gravity is fine");
        await Assertions.Expect(Card(page, "expert").GetByTestId("rubric-missing")).ToContainTextAsync("no verdict (the judge's reply was unparseable)");
        await Assertions.Expect(Card(page, "standard").GetByTestId("rubric-mean")).ToHaveTextAsync("7.00");

        // Pairs: both orders of each, whether they agree, and the result.
        var rows = novice.GetByTestId("pair-row");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        string[] Cells(IReadOnlyList<string> cells) => [.. cells.Select(c => c.Trim())];
        Assert.Equal(["expert", "won", "won", "agree", "won"], Cells(await rows.Nth(0).Locator("td").AllInnerTextsAsync()));
        Assert.Equal(["standard", "won", "lost", "disagree", "tie"], Cells(await rows.Nth(1).Locator("td").AllInnerTextsAsync()));
        Assert.Equal(["novice (ablate-novice answer)", "tie", "tie", "agree", "tie"], Cells(await rows.Nth(2).Locator("td").AllInnerTextsAsync()));
        Assert.Equal(["standard", "no verdict", "tie", "—", "no verdict"], Cells(await Card(page, "expert").GetByTestId("pair-row").Nth(1).Locator("td").AllInnerTextsAsync()));

        // The navigation offers the page after Generate.
        Assert.Equal(["Live", "Generate", "Answers"], (await page.Locator(".mud-nav-link").AllInnerTextsAsync()).Take(3).Select(t => t.Trim()));
        Assert.True(errors.Count == 0, $"console errors: {string.Join(" | ", errors)}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_address_keeps_run_arm_topic_and_judge_and_a_link_reopens_the_same_view()
    {
        // A bare address opens the newest run with answers and writes the choices it made into the address.
        var page = await OpenAsync("/answers");
        await page.WaitForURLAsync($"**/answers?run={answers.JudgedRun}&arm=baseline&topic=gravity&judge={AnswersTestData.Judge}");
        await Assertions.Expect(page.GetByTestId("answers-card")).ToHaveCountAsync(4);

        await ChooseAsync(page, "answers-arm", AnswersTestData.Arm);
        await page.WaitForURLAsync($"**arm={AnswersTestData.Arm}**");
        // Each condition's baseline answer beside the arm's; the arm did not answer standard's prompt.
        var novice = Card(page, "novice");
        await Assertions.Expect(novice.GetByTestId("answer-panel")).ToHaveCountAsync(2);
        Assert.Equal(["baseline", AnswersTestData.Arm], await novice.GetByTestId("answer-panel").EvaluateAllAsync<string[]>("ps => ps.map(p => p.dataset.arm)"));
        await Assertions.Expect(novice.GetByTestId("answer-text").Nth(1)).ToHaveTextAsync("Ablated novice answer about gravity.");
        await Assertions.Expect(Card(page, "standard").GetByTestId("arm-missing")).ToBeVisibleAsync();

        // The topic is searched for.
        await page.GetByTestId("answers-topic").FillAsync("tid");
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "tides" }).ClickAsync();
        await page.WaitForURLAsync("**topic=tides**");
        await ChooseAsync(page, "answers-judge", AnswersTestData.SilentJudge);
        await page.WaitForURLAsync($"**judge={AnswersTestData.SilentJudge}**");
        await Assertions.Expect(Card(page, "expert").GetByTestId("rubric-missing").First).ToContainTextAsync("did not score");
        string link = page.Url;
        Assert.Contains($"run={answers.JudgedRun}", link);
        await page.Context.CloseAsync();

        // The link, in a fresh browser, shows the same view.
        var again = await OpenAsync(link[answers.Server.BaseUrl.Length..]);
        await Assertions.Expect(again.GetByTestId("answers-arm")).ToHaveTextAsync(AnswersTestData.Arm);
        await Assertions.Expect(again.GetByTestId("answers-topic")).ToHaveValueAsync("tides");
        await Assertions.Expect(again.GetByTestId("answers-judge")).ToHaveTextAsync(AnswersTestData.SilentJudge);
        await Assertions.Expect(Card(again, "expert").GetByTestId("answer-panel")).ToHaveCountAsync(2);
        Assert.Equal(link, again.Url);
        await again.Context.CloseAsync();
    }

    [Fact]
    public async Task A_ten_thousand_character_answer_scrolls_inside_its_card_without_breaking_the_layout()
    {
        var page = await OpenAsync($"/answers?run={answers.JudgedRun}&topic=tides&judge={AnswersTestData.Judge}");
        var text = Card(page, "expert").GetByTestId("answer-text");
        await Assertions.Expect(text).ToBeVisibleAsync();

        Assert.Equal(AnswersTestData.LongAnswer.Length, (await text.InnerTextAsync()).Length);
        var box = await text.EvaluateAsync<double[]>("e => [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]");
        Assert.True(box[0] > 10 * box[1], $"the answer should scroll inside its box: {string.Join(", ", box)}");
        Assert.True(box[2] <= box[3], "the answer must not overflow its box sideways");
        Assert.InRange(box[1], 100, 400);
        // The page does not scroll sideways, and the long answer's card is as wide as the others in its row.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"));
        var widths = await page.GetByTestId("answers-card").EvaluateAllAsync<double[]>("cs => cs.map(c => Math.round(c.getBoundingClientRect().width))");
        Assert.Single(widths.Distinct());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Judging_from_the_page_against_a_scripted_judge_fills_in_the_scores()
    {
        await using var judge = new ScriptedServer();
        await UseJudgeAsync(judge.BaseUrl, "scripted-judge", answers.KeyVariable);

        var page = await OpenAsync($"/answers?run={answers.RunToJudge}&topic=gravity");
        await Assertions.Expect(page.GetByTestId("not-judged")).ToContainTextAsync($"saex judge --store {answers.Server.DataDirectory}");
        await Assertions.Expect(page.GetByTestId("judge-endpoint")).ToContainTextAsync($"scripted-judge at {judge.BaseUrl}");
        Assert.Equal(0, await page.GetByTestId("rubric").CountAsync());
        await page.GetByTestId("judge-run").ClickAsync();

        await Assertions.Expect(page.GetByTestId("judge-status")).ToContainTextAsync("scripted-judge: judged, 48 calls", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("rubric-mean")).ToHaveCountAsync(4);
        Assert.All(await page.GetByTestId("rubric-mean").AllInnerTextsAsync(), m => Assert.Equal("7.00", m.Trim()));
        await page.WaitForURLAsync("**judge=scripted-judge**");
        await Assertions.Expect(page.GetByTestId("not-judged")).ToHaveCountAsync(0);
        // The scripted judge always prefers A: the two orders of every pair disagree.
        var row = Card(page, "novice").GetByTestId("pair-row").First;
        Assert.Equal(["standard", "won", "lost", "disagree", "tie"], (await row.Locator("td").AllInnerTextsAsync()).Select(c => c.Trim()));
        Assert.Equal(48, judge.Authorizations.Count);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Settings_show_problems_under_their_fields_and_a_judge_that_cannot_work_says_why_in_one_line()
    {
        var settings = await OpenAsync("/settings");
        await settings.GetByTestId("judge-url").FillAsync("ftp://judge.example");
        await settings.GetByTestId("judge-key-variable").FillAsync("AWS_SECRET_ACCESS_KEY");
        await settings.GetByTestId("apply-judge-settings").ClickAsync();
        await Assertions.Expect(settings.GetByTestId("judge-settings-message")).ToContainTextAsync("2 problem(s)");
        var form = settings.GetByTestId("judge-settings");
        await Assertions.Expect(form.GetByText("is not an http(s) URL")).ToBeVisibleAsync();
        await Assertions.Expect(form.GetByText("ends in _API_KEY")).ToBeVisibleAsync();
        await settings.Context.CloseAsync();

        // A remote judge whose key variable is not set is refused before anything is sent.
        await UseJudgeAsync("https://judge.invalid/v1", "remote-judge", "SAEX_TEST_UNSET_API_KEY", keySet: false);
        var page = await OpenAsync($"/answers?run={answers.RunToJudge}&topic=entropy");
        await page.GetByTestId("judge-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("judge-error")).ToContainTextAsync("$SAEX_TEST_UNSET_API_KEY is not set");

        // A judge that refuses the key stops the judging with one line.
        await using var judge = new ScriptedServer { Fallback = ScriptedServer.Failing(401) };
        await UseJudgeAsync(judge.BaseUrl, "refusing-judge", answers.KeyVariable);
        await page.GetByTestId("judge-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("judge-error")).ToContainTextAsync("refused the API key (HTTP 401)", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("judge-run")).ToBeEnabledAsync();
        Assert.Equal(1, await page.GetByTestId("judge-error").CountAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_api_key_reaches_the_judge_and_nothing_else()
    {
        await using var judge = new ScriptedServer();
        var pages = new List<string> { await UseJudgeAsync(judge.BaseUrl, "secret-judge", answers.KeyVariable) };

        var page = await OpenAsync($"/answers?run={answers.RunForTheKey}&topic=gravity");
        await page.GetByTestId("judge-run").ClickAsync();
        await Assertions.Expect(page.GetByTestId("judge-status")).ToContainTextAsync("secret-judge: judged", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("rubric-mean")).ToHaveCountAsync(4);
        pages.Add(await page.ContentAsync());
        await page.Context.CloseAsync();
        var settings = await OpenAsync("/settings");
        await Assertions.Expect(settings.GetByTestId("judge-key-status")).ToContainTextAsync("is set");
        pages.Add(await settings.ContentAsync());
        await settings.Context.CloseAsync();

        // It was sent, as the bearer token of every call ...
        Assert.NotEmpty(judge.Authorizations);
        Assert.All(judge.Authorizations, a => Assert.Equal("Bearer " + answers.Secret, a));
        // ... and is in no page, no file of the dashboard's data directory (the store and its log included) and no log line.
        Assert.All(pages, html => Assert.DoesNotContain(answers.Secret, html));
        Assert.Contains(pages, html => html.Contains(answers.KeyVariable));
        // grep reads the store's lock file too, which the dashboard holds exclusively (.NET would refuse to open it); the run's
        // id, which the store does hold, shows that it reads the store.
        Assert.Empty(await GrepAsync(answers.Secret, answers.Server.DataDirectory));
        Assert.Contains(await GrepAsync(answers.RunForTheKey, answers.Server.DataDirectory), f => Path.GetFileName(f).StartsWith("saex.db", StringComparison.Ordinal));
        Assert.DoesNotContain(answers.Secret, answers.Server.Log);
    }

    /// <summary>The files under <paramref name="directory"/> that hold <paramref name="text"/>, binary files included.</summary>
    private static async Task<string[]> GrepAsync(string text, string directory)
    {
        var start = new ProcessStartInfo("grep") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--recursive", "--files-with-matches", "--fixed-strings", "--binary-files=text", "--", text, directory])
            start.ArgumentList.Add(arg);
        using var grep = Process.Start(start)!;
        var output = grep.StandardOutput.ReadToEndAsync();
        var error = grep.StandardError.ReadToEndAsync();
        await Task.WhenAll(output, error, grep.WaitForExitAsync());
        // 0: found, 1: not found, anything else: grep failed.
        Assert.True(grep.ExitCode is 0 or 1, $"grep failed ({grep.ExitCode}): {error.Result}");
        return output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
