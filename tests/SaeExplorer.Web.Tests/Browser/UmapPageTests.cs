using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SaeExplorer.Core.Experiments;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class UmapPageTests(DashboardFixture dashboard)
{
    /// <summary>The UMAP page of the built-in run (the history's Open button is tested on the Experiments page).</summary>
    private async Task<IPage> OpenBuiltInUmapAsync()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/umap"));
        await Assertions.Expect(page.GetByTestId("umap-metrics")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        return page;
    }

    [Fact]
    public async Task Both_maps_show_the_six_conditions_and_the_metrics_are_in_range()
    {
        var page = await OpenBuiltInUmapAsync();

        foreach (var map in new[] { "activations", "features" })
        {
            var plot = page.GetByTestId($"umap-plot-{map}");
            await Assertions.Expect(plot.Locator("svg.main-svg").First).ToBeVisibleAsync();
            await Assertions.Expect(plot.Locator(".legend .traces")).ToHaveCountAsync(6);
            // One marker per prompt across the six traces.
            await Assertions.Expect(plot.Locator(".scatterlayer .trace .points path")).ToHaveCountAsync(300);
        }
        Assert.Equal(2, await page.Locator(".js-plotly-plot").CountAsync());
        var legend = await page.GetByTestId("umap-plot-activations").Locator(".legend .traces").AllTextContentsAsync();
        Assert.Equal(["standard", "padding", "spaces", "novice", "expert", "guru"], legend.Select(t => t.Trim()));

        var values = await page.GetByTestId("umap-metric").AllInnerTextsAsync();
        Assert.Equal(12, values.Count);
        Assert.All(values, v => Assert.InRange(double.Parse(v, CultureInfo.InvariantCulture), -1.0, 1.0));
        Assert.Equal("15", (await page.GetByTestId("umap-k").InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_run_of_two_conditions_by_three_topics_gets_maps_and_says_its_neighbourhoods_are_smaller()
    {
        var page = await dashboard.NewPageAsync("/experiments");
        string name = "tiny-" + Guid.NewGuid().ToString("N")[..8];
        string json = $$"""
            {"name": "{{name}}", "description": "two styles, three topics", "conditions": [{"name": "plain", "template": "What is {topic}?"}, {"name": "curt", "template": "Define {topic}."}],
             "topics": ["entropy", "momentum", "tides"]}
            """;
        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload { Name = "tiny.json", MimeType = "application/json", Buffer = System.Text.Encoding.UTF8.GetBytes(json) });
        await Assertions.Expect(page.GetByTestId("import-error")).ToHaveCountAsync(0);
        var listed = page.GetByTestId("prompt-set").Filter(new() { Has = page.GetByTestId("prompt-set-name").Filter(new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(listed.GetByTestId("prompt-set-size")).ToHaveTextAsync("2 conditions × 3 topics = 6 prompts");
        await page.GetByTestId("run-experiment").ClickAsync(new() { Timeout = 120_000 });
        var row = page.Locator("tr").Filter(new() { Has = page.Locator("[data-testid=run-set]", new() { HasTextRegex = new($"^{name}$") }) });
        await Assertions.Expect(row.GetByTestId("run-status")).ToHaveTextAsync("completed", new() { Timeout = 120_000 });

        await dashboard.ClickUntilAtAsync(page, row.GetByTestId("open-umap"), "**/umap*");
        await Assertions.Expect(page.GetByTestId("umap-metrics")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("umap-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("umap-small-run")).ToHaveTextAsync(
            "6 prompts: the maps use k = 5 neighbours instead of 15, and trustworthiness compares k = 2 (it needs k below half the prompts); numbers from runs this small are not comparable with a full run's.");
        await Assertions.Expect(page.GetByTestId("umap-plot-features").Locator(".scatterlayer .trace .points path")).ToHaveCountAsync(6);
        Assert.Equal("5", (await page.GetByTestId("umap-k").InnerTextAsync()).Trim());
        Assert.Equal("2", (await page.GetByTestId("umap-trust-k").InnerTextAsync()).Trim());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_1440_pixels_the_maps_are_wide_and_a_hover_label_at_the_edge_stays_inside_its_map()
    {
        var page = await OpenBuiltInUmapAsync();
        var plot = page.GetByTestId("umap-plot-features");
        await Assertions.Expect(plot.Locator("svg.main-svg").First).ToBeVisibleAsync();
        var box = (await plot.BoundingBoxAsync())!;
        // They were ~350 px: three columns with the metrics beside them.
        Assert.True(box.Width >= 500, $"the map is {box.Width} px wide");

        // The rightmost point: its label opens to the left, and used to be cut at the map's edge when it was one long line.
        var centre = await plot.Locator(".scatterlayer .trace .points path").EvaluateAllAsync<double[]>(
            "paths => { const b = paths.map(p => p.getBoundingClientRect()).reduce((a, r) => r.x > a.x ? r : a); return [b.x + b.width / 2, b.y + b.height / 2]; }");
        await page.Mouse.MoveAsync((float)centre[0], (float)centre[1]);
        var hover = page.Locator(".hoverlayer .hovertext").First;
        await Assertions.Expect(hover).ToBeVisibleAsync();
        var label = (await hover.BoundingBoxAsync())!;
        Assert.True(label.X >= box.X - 1 && label.X + label.Width <= box.X + box.Width + 1,
            $"the label spans {label.X:F0}..{label.X + label.Width:F0}, the map {box.X:F0}..{box.X + box.Width:F0}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Clicking_a_point_opens_its_prompt_on_the_live_page()
    {
        var page = await OpenBuiltInUmapAsync();
        // Clicks reach the server only once the chart has subscribed to them, which a busy machine may do after drawing it.
        await page.Locator("[data-testid=umap-plot-activations][data-click-ready=true]").WaitForAsync();
        var point = page.GetByTestId("umap-plot-activations").Locator(".scatterlayer .trace .points path").First;
        var hover = page.Locator(".hoverlayer .hovertext");
        string hoverText = "";
        // Hover, then click at the point's centre, measured afresh on every try (a late layout pass can move it).
        await dashboard.ClickUntilAtAsync(page, async attempt =>
        {
            // Later tries are short: a late navigation may have taken the point away.
            float? timeout = attempt == 1 ? null : 5_000;
            var box = (await point.BoundingBoxAsync(new() { Timeout = timeout }))!;
            float x = box.X + box.Width / 2, y = box.Y + box.Height / 2;
            await page.Mouse.MoveAsync(x, y);
            await Assertions.Expect(hover).ToBeVisibleAsync(new() { Timeout = timeout });
            hoverText = await hover.TextContentAsync() ?? "";
            await page.Mouse.ClickAsync(x, y);
        }, options => page.WaitForURLAsync(new Regex(@"/\?run=[^&]+&id=[^&]+&pooling=user$"), options), "the Live page", TimeSpan.FromSeconds(15));
        // Live shows the prompt as the run sent it and says so (#14 A4: it used the default chat format and no system prompt).
        await Assertions.Expect(page.GetByTestId("live-from-run")).ToContainTextAsync($"of run {dashboard.BuiltInRunId} (seed-styles), as the run sent it");
        var prompt = await page.GetByTestId("prompt-input").InputValueAsync();
        var userTexts = PromptSets.Expand(PromptSets.BuiltIn()).Select(p => p.Messages[^1].Content).ToHashSet();
        Assert.Contains(prompt, userTexts);
        // The hover label showed the same prompt (its text is cut after 90 characters).
        // The label wraps the prompt into short lines, so the comparison ignores white space.
        static string Squeezed(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        Assert.Contains(Squeezed(prompt[..Math.Min(prompt.Length, 40)]), Squeezed(hoverText), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByTestId("prompt-input")).ToHaveValueAsync(prompt);
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_map_exports_as_png_and_the_metrics_as_csv()
    {
        var page = await OpenBuiltInUmapAsync();

        await page.GetByTestId("export-umap-activations").Locator("button").ClickAsync();
        var png = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-umap-activations-png").ClickAsync());
        Assert.Equal("umap-activations.png", png.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await png.PathAsync())!);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"a 300-dpi figure of 300 points should not be {bytes.Length} bytes");
        Assert.Equal(2100, PngWidth(bytes));

        // One column too (#14 A15: only double-column was offered): 3.5 in at 300 dpi, under its own name.
        await page.GetByTestId("export-umap-activations").Locator("button").ClickAsync();
        var single = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-umap-activations-png-single").ClickAsync());
        Assert.Equal("umap-activations-one-column.png", single.SuggestedFilename);
        Assert.Equal(1050, PngWidth(await File.ReadAllBytesAsync((await single.PathAsync())!)));

        await page.GetByTestId("export-umap-metrics").Locator("button").ClickAsync();
        var csv = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-umap-metrics-csv").ClickAsync());
        var lines = (await File.ReadAllTextAsync((await csv.PathAsync())!)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("map,metric,silhouette_original,knn_accuracy_original,silhouette_embedding,knn_accuracy_embedding,trustworthiness,knn_preservation,k,trustworthiness_k", lines[0]);
        Assert.Equal(3, lines.Count);
        Assert.StartsWith("activations,euclidean,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("features,cosine,", lines[2], StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    /// <summary>Opens a MudSelect by its test id and clicks the option with exactly this text.</summary>
    private static async Task ChooseAsync(IPage page, string testId, string option)
    {
        await page.GetByTestId(testId).ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new($"^\\s*{Regex.Escape(option)}\\s*$") }).ClickAsync();
    }

    /// <summary>The features map's Plotly div (Plotly keeps the drawn data and layout on it).</summary>
    private static ILocator FeaturesPlot(IPage page) => page.GetByTestId("umap-plot-features").Locator(".js-plotly-plot");

    /// <summary>Waits until the features map has been drawn with <paramref name="traces"/> traces (a new colouring is a new chart).</summary>
    private static Task WaitForTracesAsync(IPage page, int traces) =>
        page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=umap-plot-features] .js-plotly-plot')?.data?.length === {traces}");

    [Fact]
    public async Task Colouring_by_topic_and_by_a_feature_redraws_the_maps_and_the_address_keeps_it_across_a_reload()
    {
        // The Compare page's most significant latent fires somewhere; the Feature page says where and how strongly.
        await dashboard.EnsureBuiltInRunAsync();
        var compare = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare"));
        var link = compare.GetByTestId("differential-link").First;
        await Assertions.Expect(link).ToBeVisibleAsync(new() { Timeout = 60_000 });
        int feature = int.Parse((await link.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
        await compare.GotoAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));
        var rows = compare.GetByTestId("distribution-row");
        await Assertions.Expect(rows).ToHaveCountAsync(6, new() { Timeout = 60_000 });
        int active = 0;
        string featurePageMax = "";
        double largest = double.NegativeInfinity;
        foreach (var row in await rows.AllAsync())
        {
            var cells = await row.Locator("td").AllInnerTextsAsync();
            active += int.Parse(cells[1].Split('/')[0].Trim(), CultureInfo.InvariantCulture);
            if (cells[5].Trim() != "—" && double.Parse(cells[5], CultureInfo.InvariantCulture) > largest)
                (largest, featurePageMax) = (double.Parse(cells[5], CultureInfo.InvariantCulture), cells[5].Trim());
        }
        Assert.True(active > 0, $"feature {feature} fires nowhere");
        await compare.Context.CloseAsync();

        var page = await OpenBuiltInUmapAsync();
        string run = dashboard.BuiltInRunId!;
        await WaitForTracesAsync(page, 6);

        await ChooseAsync(page, "umap-colour", "topic");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/umap\?run={run}&pooling=user&colour=topic$"));
        await WaitForTracesAsync(page, 50);
        var topics = await FeaturesPlot(page).EvaluateAsync<string[]>("el => el.data.map(t => t.name + '|' + t.x.length)");
        Assert.Equal(PromptSets.BuiltIn().Topics.Select(t => t + "|6"), topics);

        await ChooseAsync(page, "umap-colour", "a feature's activation");
        await page.GetByTestId("umap-colour-feature").FillAsync(feature.ToString(CultureInfo.InvariantCulture));
        await page.GetByTestId("umap-colour-feature").PressAsync("Tab");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($@"/umap\?run={run}&pooling=user&colour=feature&feature={feature}$"));
        await WaitForTracesAsync(page, 1);

        async Task ExpectFeatureColoursAsync()
        {
            var colours = await FeaturesPlot(page).EvaluateAsync<double[]>("el => el.data[0].marker.color");
            Assert.Equal(300, colours.Length);
            Assert.All(colours, c => Assert.True(c >= 0, $"value {c}"));
            // Exactly the prompts the Feature page counts as active are coloured, the largest value is the one it shows,
            // and the strongest are drawn last.
            Assert.Equal(active, colours.Count(c => c > 0));
            Assert.Equal(featurePageMax, colours.Max().ToString("G3", CultureInfo.InvariantCulture));
            Assert.Equal(colours.Order(), colours);
            Assert.True(await FeaturesPlot(page).EvaluateAsync<bool>("el => el.data[0].marker.showscale === true"));
            await Assertions.Expect(page.GetByTestId("umap-plot-features").Locator(".colorbar")).ToHaveCountAsync(1);
            var hover = await FeaturesPlot(page).EvaluateAsync<string>("el => el.data[0].text[el.data[0].text.length - 1]");
            Assert.StartsWith($"feature {feature}: {colours[^1].ToString("G4", CultureInfo.InvariantCulture)}<br>", hover, StringComparison.Ordinal);
            await Assertions.Expect(page.GetByTestId("umap-colour-summary")).ToContainTextAsync($"active in {active} of 300 prompts");
        }
        await ExpectFeatureColoursAsync();

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("umap-metrics")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("umap-colour")).ToContainTextAsync("a feature's activation");
        await Assertions.Expect(page.GetByTestId("umap-colour-feature")).ToHaveValueAsync(feature.ToString(CultureInfo.InvariantCulture));
        await WaitForTracesAsync(page, 1);
        await ExpectFeatureColoursAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_selection_lists_its_prompts_and_compares_them_with_the_rest()
    {
        var page = await OpenBuiltInUmapAsync();
        // Selections reach the server once the chart has subscribed to them, as clicks do.
        await page.Locator("[data-testid=umap-plot-features][data-click-ready=true]").WaitForAsync();
        var plot = FeaturesPlot(page);
        Assert.Equal("lasso", await plot.EvaluateAsync<string>("el => el.layout.dragmode"));

        // A lasso as Plotly reports it: five standard prompts (trace 0) and three novice ones (trace 3). Dragging a real
        // lasso over points whose places depend on the fit would make the test depend on them too.
        var labels = await plot.EvaluateAsync<string[]>("""
            el => {
                const points = [];
                for (const [trace, count] of [[0, 5], [3, 3]])
                    for (let i = 0; i < count; i++)
                        points.push({ curveNumber: trace, pointNumber: i, pointIndex: i, fullData: { index: trace }, x: el.data[trace].x[i], y: el.data[trace].y[i], text: el.data[trace].text[i] });
                el.emit('plotly_selected', { points });
                return points.map(p => p.text);
            }
            """);
        var ids = labels.Select(l => Regex.Match(l, "^<b>([^<]+)</b>").Groups[1].Value).ToList();
        Assert.Equal(8, ids.Distinct().Count());

        var rows = page.GetByTestId("umap-selection-row");
        await Assertions.Expect(rows).ToHaveCountAsync(8);
        var listed = new List<string[]>();
        foreach (var row in await rows.AllAsync())
            listed.Add((await row.Locator("td").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray());
        Assert.Equal(ids, listed.Select(r => r[0]));
        Assert.Equal([.. Enumerable.Repeat("standard", 5), .. Enumerable.Repeat("novice", 3)], listed.Select(r => r[1]));
        // Prompt ids are condition/topic-slug; the topic column names the topic itself.
        Assert.All(listed, r => Assert.False(string.IsNullOrEmpty(r[2])));
        await Assertions.Expect(page.GetByTestId("umap-selection-count")).ToHaveTextAsync("8 prompts selected");

        await page.GetByTestId("umap-compare-selection").ClickAsync();
        var features = page.GetByTestId("umap-selection-feature");
        await Assertions.Expect(features).ToHaveCountAsync(20, new() { Timeout = 60_000 });
        var first = page.GetByTestId("umap-selection-feature-link").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("href", new Regex($@"^/feature/\d+\?run={dashboard.BuiltInRunId}&pooling=user$"));
        // The first row is the most significant latent: more present among the eight than in the other 292, or less.
        var cells = (await features.First.Locator("td").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray();
        Assert.NotEqual(cells[1], cells[2]);
        Assert.InRange(double.Parse(cells[6], CultureInfo.InvariantCulture), 0.0, 1.0);

        await page.GetByTestId("umap-clear-selection").ClickAsync();
        await Assertions.Expect(page.GetByTestId("umap-selection")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    /// <summary>The width in pixels a PNG's IHDR chunk declares (big-endian, bytes 16–19).</summary>
    private static int PngWidth(byte[] png) => System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4));
}
