using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class LivePageTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task Typing_a_prompt_shows_its_tokens_and_active_features()
    {
        var page = await dashboard.NewPageAsync("/");
        await Assertions.Expect(page.GetByTestId("demo-banner")).ToContainTextAsync("no meaning");
        await page.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");

        var rows = page.GetByTestId("feature-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        Assert.Equal(25, await rows.CountAsync());
        int active = int.Parse(await page.GetByTestId("active-count").InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.InRange(active, 25, 4096);

        // The strip shows every token of the rendered chat prompt, the user's words among them, and the top feature's
        // heat on at least one of the user's tokens (pooling is "max over your message" by default).
        var strip = page.GetByTestId("token-strip");
        await Assertions.Expect(strip).ToContainTextAsync("collisions");
        await Assertions.Expect(strip).ToContainTextAsync("<|start_header_id|>");
        Assert.True(await strip.Locator(".saex-token-active:not(.saex-token-template)").CountAsync() >= 1);
    }

    [Fact]
    public async Task Clicking_a_feature_moves_the_heat_to_it_and_its_link_opens_the_feature_page()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("Write a haiku about gradient descent.");
        var rows = page.GetByTestId("feature-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();

        string third = (await rows.Nth(2).InnerTextAsync()).Trim();
        await rows.Nth(2).ClickAsync();
        await Assertions.Expect(page.GetByText($"Heat: feature {third} on each token")).ToBeVisibleAsync();
        // The heat is that feature's value at each token: the largest equals the pooled value shown in the table.
        var values = await page.GetByTestId("token-strip").Locator(".saex-token:not(.saex-token-template)")
            .EvaluateAllAsync<string[]>("spans => spans.map(s => s.dataset.value)");
        Assert.Contains(values, v => float.Parse(v, CultureInfo.InvariantCulture) > 0);

        await dashboard.ClickUntilOnPathAsync(page, page.GetByTestId("open-feature").Nth(2), $"/feature/{third}");
    }

    private static float[] Floats(IEnumerable<string> values) => values.Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public async Task Clicking_a_token_lists_its_strongest_features_and_their_heat_there_matches()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();

        var token = page.GetByTestId("token-strip").Locator(".saex-token", new() { HasText = "collisions" });
        await token.ClickAsync();
        var panel = page.GetByTestId("token-features");
        await Assertions.Expect(panel.GetByTestId("token-features-title")).ToContainTextAsync("collisions");
        var rows = panel.GetByTestId("token-feature-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        Assert.InRange(await rows.CountAsync(), 1, 10);
        var values = Floats(await panel.GetByTestId("token-feature-value").AllInnerTextsAsync());
        Assert.Equal(values.OrderByDescending(v => v), values);
        Assert.True(await token.EvaluateAsync<bool>("t => t.classList.contains('saex-token-selected')"));

        // The token's strongest feature, chosen for the heat, has at that token the value the list gave.
        string top = (await panel.GetByTestId("token-feature-link").First.InnerTextAsync()).Trim();
        await rows.First.ClickAsync();
        await Assertions.Expect(page.GetByText($"Heat: feature {top} on each token")).ToBeVisibleAsync();
        Assert.Equal(values[0].ToString("G4", CultureInfo.InvariantCulture), await token.GetAttributeAsync("data-value"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_second_prompt_typed_live_is_compared_side_by_side()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("hey so like what even is a hash map lol");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
        int activeA = int.Parse(await page.GetByTestId("active-count").InnerTextAsync(), CultureInfo.InvariantCulture);

        await page.GetByTestId("compare-toggle").ClickAsync();
        await page.GetByTestId("prompt-b-input").FillAsync("Characterise the amortised complexity of open addressing under linear probing.");
        var pair = page.GetByTestId("live-pair");
        var summary = pair.GetByTestId("pair-summary");
        await Assertions.Expect(summary).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var counts = System.Text.RegularExpressions.Regex.Matches(await summary.InnerTextAsync(), @"\d[\d,]*")
            .Select(m => int.Parse(m.Value, System.Globalization.NumberStyles.AllowThousands, CultureInfo.InvariantCulture)).ToArray();
        // A's count is the page's own; the shared ones are at most either side's.
        Assert.Equal(activeA, counts[0]);
        Assert.InRange(counts[2], 0, Math.Min(counts[0], counts[1]));
        Assert.True(counts[1] > 0);

        // A feature only in B (pooled over the user's message): its heat is 0 on every token of A's message, not in B's.
        var onlyB = pair.GetByTestId("only-b-row");
        await Assertions.Expect(onlyB.First).ToBeVisibleAsync();
        string feature = (await pair.GetByTestId("only-b-link").First.InnerTextAsync()).Trim();
        await onlyB.First.ClickAsync();
        await Assertions.Expect(page.GetByText($"Heat: feature {feature} on each token")).ToBeVisibleAsync();
        var strips = pair.GetByTestId("token-strip");
        var userA = Floats(await strips.Nth(0).Locator(".saex-token:not(.saex-token-template)").EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.value)"));
        var userB = await strips.Nth(1).Locator(".saex-token:not(.saex-token-template)").EvaluateAllAsync<string[]>("s => s.map(e => e.dataset.value)");
        Assert.All(userA, v => Assert.Equal(0f, v));
        // Both are the same float written with 4 significant digits: the pooled value is the largest over B's message.
        Assert.Equal((await pair.GetByTestId("only-b-value").First.InnerTextAsync()).Trim(), userB.MaxBy(v => float.Parse(v, CultureInfo.InvariantCulture)));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_first_page_shows_a_shell_at_once_and_loads_plotly_only_where_it_plots()
    {
        // The HTML the browser gets first: the shell is in it, Plotly's 4.6 MB script is not (#14 A16: it blocked a
        // blank page for seconds before the circuit could start).
        var page = await dashboard.NewPageAsync("/");
        var html = await (await page.APIRequest.GetAsync("/")).TextAsync();
        Assert.Contains("Starting the dashboard", html);
        Assert.DoesNotMatch(@"<script[^>]*plotly", html);

        // Once the app is drawn the shell is gone, and Live, which plots nothing, never loaded Plotly.
        await Assertions.Expect(page.GetByTestId("boot-shell")).ToBeHiddenAsync();
        await page.GetByTestId("prompt-input").FillAsync("Explain tides.");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
        Assert.False(await page.EvaluateAsync<bool>("() => 'Plotly' in window"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_20000_character_prompt_is_analysed_and_the_circuit_survives_it()
    {
        var page = await dashboard.NewPageAsync("/");
        // ~20,000 characters, ~4,600 tokens: inside the demo model's 8,192-token context. It used to exceed SignalR's
        // 32 KB message limit and drop the circuit silently (the page fell back to its empty state).
        string prompt = string.Concat(Enumerable.Range(0, 560).Select(i => $"River {i} carried silt. "));
        Assert.InRange(prompt.Length, 13_000, 20_000);
        prompt += new string('x', 20_000 - prompt.Length);
        await page.GetByTestId("prompt-input").FillAsync(prompt);

        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("token-strip")).ToContainTextAsync("559");
        await Assertions.Expect(page.Locator("#components-reconnect-modal")).Not.ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_100000_character_prompt_gets_a_message_about_the_context_and_the_page_goes_on_working()
    {
        var page = await dashboard.NewPageAsync("/");
        string prompt = string.Concat(Enumerable.Range(0, 4000).Select(i => $"Word {i:D5} here. "));
        prompt += new string('y', 100_000 - prompt.Length);
        await page.GetByTestId("prompt-input").FillAsync(prompt);

        var error = page.GetByTestId("live-error");
        await Assertions.Expect(error).ToContainTextAsync("8,192", new() { Timeout = 60_000 });
        await Assertions.Expect(error).ToContainTextAsync("context");

        await page.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(error).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_empty_prompt_asks_for_one_and_raw_text_needs_no_template()
    {
        var page = await dashboard.NewPageAsync("/");
        await Assertions.Expect(page.GetByTestId("live-empty")).ToBeVisibleAsync();

        await page.GetByTestId("chat-format").ClickAsync();
        await page.GetByText("none (raw text)").ClickAsync();
        await page.GetByTestId("prompt-input").FillAsync("The quick brown fox");
        var strip = page.GetByTestId("token-strip");
        await Assertions.Expect(strip).ToContainTextAsync("fox");
        await Assertions.Expect(strip).Not.ToContainTextAsync("<|start_header_id|>");

        await page.GetByTestId("prompt-input").FillAsync("   ");
        await Assertions.Expect(page.GetByTestId("live-empty")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Prompt_text_is_rendered_as_text_not_markup()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("<b id=\"injected\">bold</b><script>window.pwned=1</script>");
        await Assertions.Expect(page.GetByTestId("token-strip")).ToContainTextAsync("<b");
        Assert.Equal(0, await page.Locator("#injected").CountAsync());
        Assert.False(await page.EvaluateAsync<bool>("() => window.pwned === 1"));
    }

    [Fact]
    public async Task The_feature_list_exports_as_CSV_with_the_rows_shown()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("Summarise the causes of the French Revolution.");
        var rows = page.GetByTestId("feature-row");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        var shown = (await rows.AllInnerTextsAsync()).Select(t => t.Trim()).ToList();

        await page.GetByTestId("export-live-features").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-live-features-csv").ClickAsync());
        Assert.Equal("live-features.csv", download.SuggestedFilename);
        var lines = (await File.ReadAllLinesAsync(await download.PathAsync())).Where(l => l.Length > 0).ToList();
        Assert.Equal("feature,label,explanation,explanation_detection,value,tokens_active,pooling", lines[0]);
        Assert.Equal(shown, lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",user", l));
        // Values come out in descending order, as listed.
        var values = lines.Skip(1).Select(l => double.Parse(l.Split(',')[4], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(values.OrderByDescending(v => v), values);
    }

    [Fact]
    public async Task A_character_split_over_byte_tokens_reads_once_and_its_tokens_show_their_bytes()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("Party time 🎉🎉 and 日本語");

        var strip = page.GetByTestId("token-strip");
        await Assertions.Expect(strip).ToContainTextAsync("🎉");
        await Assertions.Expect(strip).ToContainTextAsync("語");
        await Assertions.Expect(strip).Not.ToContainTextAsync("\uFFFD");
        // Each token holding part of a character keeps its own span (and heat) and names its bytes in the tooltip.
        var partial = strip.Locator(".saex-token[title*='<0x']");
        Assert.True(await partial.CountAsync() >= 2);
        await Assertions.Expect(partial.First).ToHaveAttributeAsync("title", new Regex("bytes (<0x[0-9A-F]{2}>)+"));
    }

    [Fact]
    public async Task Tokens_active_counts_only_the_tokens_the_pooling_reads()
    {
        var page = await dashboard.NewPageAsync("/");
        await page.GetByTestId("prompt-input").FillAsync("Explain how a hash map handles collisions.");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
        int all = int.Parse(await page.GetByTestId("token-count").InnerTextAsync(), CultureInfo.InvariantCulture);

        // "Max over your message" (the default) reads the message's tokens only, not the chat template's.
        var cells = page.GetByTestId("tokens-active");
        await Assertions.Expect(cells.First).ToHaveAttributeAsync("title", new Regex("^active on \\d+ of your message's \\d+ tokens$"));
        var user = await Counts(page);
        int message = user.Values.First().Of;
        Assert.InRange(message, 5, all - 1);
        Assert.All(user.Values, c => Assert.InRange(c.Active, 1, message));

        await page.GetByTestId("pooling").ClickAsync();
        await page.GetByText("mean over tokens").ClickAsync();
        await Assertions.Expect(cells.First).ToHaveAttributeAsync("title", new Regex("^active on \\d+ of all \\d+ tokens$"));
        var mean = await Counts(page);
        Assert.All(mean.Values, c => Assert.Equal(all, c.Of));
        Assert.All(mean.Values, c => Assert.InRange(c.Active, 1, all));
        // A feature in both lists fires on at least as many of all the tokens as of the message's.
        var both = user.Keys.Intersect(mean.Keys).ToList();
        Assert.NotEmpty(both);
        Assert.All(both, f => Assert.True(mean[f].Active >= user[f].Active, $"feature {f}: {mean[f].Active} of all tokens, {user[f].Active} of the message's"));

        static async Task<Dictionary<string, (int Active, int Of)>> Counts(IPage page)
        {
            var features = (await page.GetByTestId("feature-row").AllInnerTextsAsync()).Select(t => t.Trim());
            var counts = (await page.GetByTestId("tokens-active").AllInnerTextsAsync()).Select(t => t.Trim().Split(" of ")).Select(p =>
                (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)));
            return features.Zip(counts).ToDictionary(x => x.First, x => x.Second);
        }
    }
}
