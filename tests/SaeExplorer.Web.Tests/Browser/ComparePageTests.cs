using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>The Compare page on a run of the built-in prompt set (six conditions × 50 topics) made through the Experiments page.</summary>
[Collection(DashboardCollection.Name)]
public sealed partial class ComparePageTests(DashboardFixture dashboard)
{
    [GeneratedRegex(@"^/feature/(\d+)$")]
    private static partial Regex FeatureHref();

    private async Task<IPage> OpenAsync()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare"));
        await Assertions.Expect(page.GetByTestId("differential-link").First).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task The_run_conditions_and_pooling_live_in_the_address_and_survive_a_reload()
    {
        var page = await OpenAsync();
        string run = dashboard.BuiltInRunId!;
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/compare\?run={run}&a=standard&b=rest&pooling=user$"));

        await page.GetByTestId("condition-a").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("expert", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("pooling").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("mean over tokens", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/compare\?run={run}&a=expert&b=rest&pooling=mean$"));

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("contrast-summary")).ToContainTextAsync("expert", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("condition-a")).ToContainTextAsync("expert");
        await Assertions.Expect(page.GetByTestId("pooling")).ToContainTextAsync("mean over tokens");
        await Assertions.Expect(page.GetByTestId("run-picker")).ToContainTextAsync(run);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_token_diff_fits_its_card_at_1440_pixels()
    {
        var page = await OpenAsync();
        var diff = page.GetByTestId("token-diff");
        await Assertions.Expect(diff).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // The right edge of the last column against the card's (#14 A11: two columns were off-screen).
        var edges = await diff.EvaluateAsync<double[]>(
            "el => { const th = el.querySelectorAll('th'); const card = el.closest('.mud-paper'); return [th[th.length - 1].getBoundingClientRect().right, card.getBoundingClientRect().right, el.querySelector('table').scrollWidth, el.clientWidth]; }");
        Assert.True(edges[0] <= edges[1] + 1, $"the last column ends at {edges[0]:F0} px, the card at {edges[1]:F0}");
        Assert.True(edges[2] <= edges[3] + 1, $"the table is {edges[2]:F0} px wide in a {edges[3]:F0} px box");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_q_threshold_is_in_the_address_and_a_reload_keeps_it()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare") + "&q=0.2");
        var count = page.GetByTestId("differential-count");
        await Assertions.Expect(count).ToContainTextAsync("q ≤ 0.2", new() { Timeout = 60_000 });

        // The page's other cards (volcano, paired topics, token diff) load after the table, and each re-renders the page:
        // typed into before they are in, the field can be drawn over with the old value.
        await Assertions.Expect(page.GetByTestId("diff-summary")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("volcano-plot").Locator("svg.main-svg").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await dashboard.ClickUntilAtAsync(page, async _ =>
        {
            await page.GetByTestId("q-threshold").FillAsync("0.01");
            await page.GetByTestId("q-threshold").PressAsync("Tab");
        }, options => page.WaitForURLAsync("**q=0.01**", options), "q=0.01 in the address", TimeSpan.FromSeconds(10));
        await Assertions.Expect(count).ToContainTextAsync("q ≤ 0.01");
        int shown = int.Parse((await count.InnerTextAsync()).Split(' ')[0], System.Globalization.NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

        await page.ReloadAsync();
        await Assertions.Expect(count).ToContainTextAsync("q ≤ 0.01", new() { Timeout = 60_000 });
        await Assertions.Expect(count).ToContainTextAsync($"{shown} of");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_typed_prompt_is_diffed_against_a_prompt_of_the_run()
    {
        var page = await OpenAsync();
        await Assertions.Expect(page.GetByTestId("diff-summary")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // #14 A17: B may be text of one's own, sent the way the run sent A.
        await page.GetByTestId("diff-b-typed").ClickAsync();
        await page.GetByTestId("diff-b-text").FillAsync("Explain it to a banana, briefly.");
        var diff = page.GetByTestId("token-diff");
        await Assertions.Expect(diff).ToContainTextAsync("banana", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("diff-summary")).ToContainTextAsync("only in B");
        // The template around the message is the run's: its tokens align.
        await Assertions.Expect(diff).ToContainTextAsync("<|start_header_id|>");
        await Assertions.Expect(page.GetByTestId("diff-error")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_diff_prompt_is_found_by_typing_its_topic_and_condition()
    {
        var page = await OpenAsync();
        await Assertions.Expect(page.GetByTestId("diff-summary")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        string before = await page.GetByTestId("diff-summary").InnerTextAsync();

        // #14 A17: a 300-entry dropdown of ids; now the words typed narrow it down.
        await page.GetByTestId("diff-b").FillAsync("guru earthquakes");
        var options = page.Locator(".mud-popover-open .mud-list-item");
        await Assertions.Expect(options).ToHaveCountAsync(1);
        await Assertions.Expect(options.First).ToHaveTextAsync("guru/how-earthquakes-happen");
        await options.First.ClickAsync();

        await Assertions.Expect(page.GetByTestId("diff-summary")).Not.ToHaveTextAsync(before);
        await Assertions.Expect(page.GetByTestId("token-diff")).ToContainTextAsync("Richard");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Compare_shows_six_conditions_counts_and_a_differential_table_linking_to_features()
    {
        var page = await OpenAsync();

        var rows = page.GetByTestId("condition-count-row");
        await Assertions.Expect(rows).ToHaveCountAsync(6);
        var names = await rows.Locator("td:first-child").AllInnerTextsAsync();
        Assert.Equal(["standard", "padding", "spaces", "novice", "expert", "guru"], names.Select(n => n.Trim()));
        foreach (var mean in await page.GetByTestId("condition-count-mean").AllInnerTextsAsync())
            Assert.InRange(double.Parse(mean, CultureInfo.InvariantCulture), 1, 4096);
        // Plotly drew the bar chart: six bars.
        var chart = page.GetByTestId("condition-counts");
        await Assertions.Expect(chart.Locator("svg.main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(chart.Locator("g.point")).ToHaveCountAsync(6);

        var links = page.GetByTestId("differential-link");
        Assert.True(await links.CountAsync() >= 3);
        for (int i = 0; i < 3; i++)
        {
            var href = await links.Nth(i).GetAttributeAsync("href");
            var match = FeatureHref().Match(href ?? "");
            Assert.True(match.Success, $"row {i} links to '{href}'");
            Assert.Equal(match.Groups[1].Value, (await links.Nth(i).InnerTextAsync()).Trim());
        }
        // The default contrast is the first condition against the rest: the table is sorted by Fisher q.
        await Assertions.Expect(page.GetByTestId("contrast-summary")).ToContainTextAsync("standard (50 prompts) vs rest (250 prompts)");
    }

    [Fact]
    public async Task Exported_CSV_has_the_tables_columns_and_its_first_row()
    {
        var page = await OpenAsync();
        var table = page.GetByTestId("differential-table");
        var columns = await table.Locator("th[data-column]").EvaluateAllAsync<string[]>("ths => ths.map(t => t.dataset.column)");
        var firstRow = (await table.Locator("tbody tr").First.Locator("td").AllInnerTextsAsync()).Select(c => c.Trim()).ToList();

        await page.GetByTestId("export-differential").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-differential-csv").ClickAsync());
        string path = await download.PathAsync();
        var lines = (await File.ReadAllTextAsync(path)).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();

        Assert.Equal("differential.csv", download.SuggestedFilename);
        Assert.Equal(12, columns.Length);
        // The label's cell shows the newest explanation too; the file gives it and its score columns of their own (empty:
        // this store has no explanations).
        string[] fileColumns = [.. columns[..2], "explanation", "explanation_detection", .. columns[2..]];
        Assert.Equal(string.Join(',', fileColumns), lines[0]);
        var inFile = ParseCsvLine(lines[1]);
        Assert.Equal(fileColumns.Length, inFile.Count);
        Assert.Equal(["", ""], inFile[2..4]);
        var cells = inFile.Where((_, i) => i is not (2 or 3)).ToList();
        Assert.Equal(firstRow[0], cells[0]);
        Assert.Equal(firstRow[1], cells[1]);
        // Rates show as whole percentages, the rest rounded to 2–3 significant digits; the file keeps full precision.
        for (int c = 2; c <= 3; c++)
            Assert.InRange(Number(firstRow[c].TrimEnd('%').Trim()) - 100 * Number(cells[c]), -0.51, 0.51);
        for (int c = 4; c <= 10; c++)
        {
            double shown = Number(firstRow[c]), exact = Number(cells[c]);
            Assert.True(Math.Abs(shown - exact) <= Math.Max(0.0051, 0.006 * Math.Abs(exact)), $"column {columns[c]}: shown {shown}, file {exact}");
        }
        Assert.Equal(firstRow[11], cells[11]);
    }

    [GeneratedRegex(@"tested (\d+) of 4096 latents")]
    private static partial Regex TestedCount();

    [Fact]
    public async Task The_volcano_draws_every_tested_latent_at_its_effect_and_q_and_a_click_opens_its_feature()
    {
        var page = await OpenAsync();
        var summary = await page.GetByTestId("contrast-summary").InnerTextAsync();
        int tested = int.Parse(TestedCount().Match(summary).Groups[1].Value, CultureInfo.InvariantCulture);
        var plot = page.GetByTestId("volcano-plot");
        // Clicks reach the server only once the chart has subscribed to them.
        await Assertions.Expect(plot).ToHaveAttributeAsync("data-click-ready", "true", new() { Timeout = 60_000 });
        var chart = plot.Locator(".js-plotly-plot");

        Assert.InRange(tested, 10, 4096);
        Assert.Equal(tested, await chart.EvaluateAsync<int>("el => el.data[0].x.length"));
        await Assertions.Expect(page.GetByTestId("volcano-caption")).ToContainTextAsync($"{tested} tested latents");
        await Assertions.Expect(plot.Locator(".scatterlayer .trace .points path")).ToHaveCountAsync(tested);

        // The table's first row is drawn at its log₂ OR and −log₁₀ of its Fisher q (the table rounds them).
        var firstRow = (await page.GetByTestId("differential-table").Locator("tbody tr").First.Locator("td").AllInnerTextsAsync()).Select(c => c.Trim()).ToList();
        int feature = int.Parse(firstRow[0], CultureInfo.InvariantCulture);
        var point = await chart.EvaluateAsync<double[]>(
            "(el, f) => { const d = el.data[0]; const i = d.text.findIndex(t => t.startsWith('<b>Feature ' + f + '</b>')); return [i, d.x[i], d.y[i]]; }", feature);
        Assert.True(point[0] >= 0, $"feature {feature} of the table is not in the volcano");
        Assert.Equal(Number(firstRow[6]), point[1], 0.0051);
        double fisherQ = Number(firstRow[9]);
        Assert.True(fisherQ > 0, "the built-in run's q-values are not 0, so none is drawn at the cap");
        Assert.Equal(-Math.Log10(fisherQ), point[2], 0.01);

        // The most significant point, clicked through Plotly's own click event, opens its feature on this run.
        var top = await chart.EvaluateAsync<double[]>("el => { const y = el.data[0].y; const i = y.indexOf(Math.max(...y)); return [i, +el.data[0].text[i].match(/Feature (\\d+)/)[1]]; }");
        int topFeature = (int)top[1];
        await dashboard.ClickUntilAtAsync(page,
            _ => chart.EvaluateAsync("(el, i) => el.emit('plotly_click', { points: [{ curveNumber: 0, pointNumber: i, pointIndex: i, fullData: el._fullData[0], x: el.data[0].x[i], y: el.data[0].y[i] }] })", (int)top[0]),
            options => page.WaitForURLAsync(new Regex($@"/feature/{topFeature}\?run={dashboard.BuiltInRunId}(&|$)"), options), "the clicked feature's page");
        await Assertions.Expect(page).ToHaveTitleAsync($"Feature {topFeature} · SaeExplorer");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Two_conditions_pair_as_a_line_per_topic_of_active_counts_or_of_a_chosen_feature()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare?a=novice&b=expert"));
        var caption = page.GetByTestId("paired-caption");
        await Assertions.Expect(caption).ToContainTextAsync("50 topics, each a line from its active features under novice to under expert", new() { Timeout = 60_000 });
        var chart = page.GetByTestId("paired-plot").Locator(".js-plotly-plot");
        await Assertions.Expect(chart).ToBeVisibleAsync();

        // A line per topic, from novice to expert; every topic of the built-in set has both, so none is left out.
        var lines = await chart.EvaluateAsync<string[][]>("el => el.data.map(d => [d.name, d.x.join('|'), String(d.y[0]), String(d.y[1])])");
        Assert.Equal(50, lines.Length);
        Assert.Equal(50, lines.Select(l => l[0]).Distinct().Count());
        Assert.Contains("black holes", lines.Select(l => l[0]));
        Assert.All(lines, l => Assert.Equal("novice|expert", l[1]));
        var counts = lines.Select(l => (A: Number(l[2]), B: Number(l[3]))).ToList();
        Assert.All(counts, c => Assert.True(c.A >= 1 && c.A == Math.Floor(c.A) && c.B >= 1 && c.B == Math.Floor(c.B), $"counts {c.A}, {c.B}"));
        await Assertions.Expect(caption).ToContainTextAsync($"{counts.Count(c => c.B > c.A)} higher under expert, {counts.Count(c => c.A > c.B)} under novice");
        await Assertions.Expect(page.GetByTestId("paired-left-out")).ToHaveCountAsync(0);
        // 50 prompts a side: no warning (the warning itself is checked on the component, as no built-in side is that small).
        await Assertions.Expect(page.GetByTestId("few-prompts-warning")).ToHaveCountAsync(0);

        // The table's top latent for novice against expert, by its value per topic.
        var link = page.GetByTestId("differential-link").First;
        int feature = int.Parse((await link.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
        await page.GetByTestId("paired-feature").FillAsync(feature.ToString(CultureInfo.InvariantCulture));
        await page.GetByTestId("paired-feature").PressAsync("Tab");
        await Assertions.Expect(caption).ToContainTextAsync($"50 topics, each a line from its feature {feature} under novice");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"[?&]feature={feature}(&|$)"));
        var values = await chart.EvaluateAsync<double[][]>("el => el.data.map(d => [d.y[0], d.y[1]])");
        Assert.Equal(50, values.Length);
        Assert.All(values, v => Assert.True(v[0] >= 0 && v[1] >= 0));
        Assert.Contains(values, v => v[0] != v[1]);
        Assert.NotEqual(counts.Select(c => c.A), values.Select(v => v[0]));

        // Against the rest there is no one prompt per topic to pair with.
        await page.GetByTestId("condition-b").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("rest (all other conditions)", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(caption).ToHaveTextAsync("Pick a single condition as B to pair its prompts with A's topic by topic.");
        await Assertions.Expect(page.GetByTestId("paired-plot")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_run_of_three_prompts_a_condition_warns_of_few_prompts_on_each_side_and_pairs_its_three_topics()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        string name = "three-" + Guid.NewGuid().ToString("N")[..8];
        string json = $$"""
            {"name": "{{name}}", "description": "two styles, three topics", "conditions": [{"name": "plain", "template": "What is {topic}?"}, {"name": "curt", "template": "Define {topic}."}],
             "topics": ["entropy", "momentum", "tides"]}
            """;
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "three.json", MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(json) });
        var listed = page.GetByTestId("prompt-set").Filter(new() { Has = page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(listed.GetByTestId("prompt-set-size")).ToHaveTextAsync("2 conditions × 3 topics = 6 prompts");
        await page.GetByTestId("run-experiment").ClickAsync(new() { Timeout = 120_000 });
        var row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=run-set]", new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(row.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 120_000 });
        await dashboard.ClickUntilAtAsync(page, row.GetByTestId("open-compare"), "**/compare?**");

        // plain (3 prompts) against the rest (curt's 3): both sides are too small for the statistics.
        await Assertions.Expect(page.GetByTestId("contrast-summary")).ToContainTextAsync("plain (3 prompts) vs rest (3 prompts)", new() { Timeout = 60_000 });
        var warnings = page.GetByTestId("few-prompts-warning");
        await Assertions.Expect(warnings).ToHaveCountAsync(2);
        await Assertions.Expect(warnings.Nth(0)).ToContainTextAsync("plain has only 3 prompts (fewer than 10)");
        await Assertions.Expect(warnings.Nth(1)).ToContainTextAsync("rest has only 3 prompts (fewer than 10)");

        await page.GetByTestId("condition-b").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("curt", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(warnings.Nth(1)).ToContainTextAsync("curt has only 3 prompts");
        await Assertions.Expect(page.GetByTestId("paired-caption")).ToContainTextAsync("3 topics, each a line from its active features under plain to under curt");
        var topics = await page.GetByTestId("paired-plot").Locator(".js-plotly-plot").EvaluateAsync<string[]>("el => el.data.map(d => d.name)");
        Assert.Equal(["entropy", "momentum", "tides"], topics);
        await page.Context.CloseAsync();
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static List<string> ParseCsvLine(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
