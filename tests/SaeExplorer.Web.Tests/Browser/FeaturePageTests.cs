using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class FeaturePageTests(DashboardFixture dashboard)
{
    /// <summary>The first feature of the Compare page's differential table (the most significant one).</summary>
    private async Task<int> TopDifferentialFeatureAsync()
    {
        await dashboard.EnsureBuiltInRunAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun("/compare"));
        var link = page.GetByTestId("differential-link").First;
        await Assertions.Expect(link).ToBeVisibleAsync();
        int feature = int.Parse((await link.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
        await page.Context.CloseAsync();
        return feature;
    }

    [Fact]
    public async Task A_feature_from_the_table_shows_its_distribution_contexts_and_promoted_tokens()
    {
        int feature = await TopDifferentialFeatureAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));

        var distribution = page.GetByTestId("feature-distribution");
        await Assertions.Expect(distribution.Locator("svg.main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("distribution-row")).ToHaveCountAsync(6);
        // It is the most significant feature of a contrast, so it fires somewhere: contexts with the token outlined.
        var contexts = page.GetByTestId("context-row");
        await Assertions.Expect(contexts.First).ToBeVisibleAsync();
        Assert.True(await contexts.Locator("td.saex-context .saex-heat-peak").CountAsync() >= 1);
        Assert.False(string.IsNullOrEmpty(await contexts.First.Locator(".saex-heat-peak").InnerTextAsync()));
        await Assertions.Expect(page.GetByTestId("promoted-token")).ToHaveCountAsync(12);
        await Assertions.Expect(page.GetByTestId("suppressed-token")).ToHaveCountAsync(12);

        // Box + points by default (six boxes); as a histogram, one overlaid bar trace per condition with active prompts.
        await Assertions.Expect(distribution.Locator("g.trace.boxes")).ToHaveCountAsync(6);
        int conditionsActive = 0;
        foreach (var fraction in await page.GetByTestId("distribution-row").Locator("td:nth-child(2)").AllInnerTextsAsync())
            conditionsActive += fraction.Trim().StartsWith("0 /", StringComparison.Ordinal) ? 0 : 1;
        await distribution.GetByText("Histogram").ClickAsync();
        await Assertions.Expect(distribution.Locator("g.trace.bars")).ToHaveCountAsync(6);
        await Assertions.Expect(distribution.Locator("g.legend g.traces")).ToHaveCountAsync(6);
        Assert.True(conditionsActive >= 2, $"only {conditionsActive} conditions have active prompts");
        // One bin set for all conditions (#14 A12: each was binned on its own, so bars could not be compared).
        var bins = await distribution.Locator(".js-plotly-plot").EvaluateAsync<double[][]>(
            "plot => plot._fullData.filter(t => t._length > 0).map(t => [t.xbins.start, t.xbins.end, t.xbins.size])");
        Assert.True(bins.Length >= 2);
        Assert.All(bins, b => Assert.Equal(bins[0], b));
    }

    private static async Task<double[]> PlottedYAsync(ILocator plotHolder) =>
        await plotHolder.Locator(".js-plotly-plot").EvaluateAsync<double[]>("plot => plot.data[0].y.map(Number)");

    private static int Count(string text) => int.Parse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_feature_page_shows_density_logits_neighbours_topics_and_heat_over_each_context()
    {
        int feature = await TopDifferentialFeatureAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));

        // Density: "Fires on X% of tokens (a of b) and in Y% of prompts (c of d)"; the histogram counts every active token.
        var summary = page.GetByTestId("density-summary");
        await Assertions.Expect(summary).ToContainTextAsync("of tokens");
        var numbers = Regex.Matches(await summary.InnerTextAsync(), @"\((\d[\d,]*) of (\d[\d,]*)\)").Select(m => (Active: Count(m.Groups[1].Value), All: Count(m.Groups[2].Value))).ToArray();
        Assert.Equal(2, numbers.Length);
        Assert.Equal(300, numbers[1].All);
        Assert.InRange(numbers[1].Active, 1, 300);
        Assert.InRange(numbers[0].Active, numbers[1].Active, numbers[0].All);
        var density = page.GetByTestId("density-histogram");
        await Assertions.Expect(density.Locator("g.trace.bars")).ToHaveCountAsync(1);
        Assert.Equal(numbers[0].Active, (await PlottedYAsync(density)).Sum());

        // The logit histogram covers the whole vocabulary of the demo model (its tokenizer is Llama 3's).
        var logits = page.GetByTestId("logit-histogram");
        await Assertions.Expect(logits.Locator("g.trace.bars")).ToHaveCountAsync(1);
        Assert.Equal(128256, (await PlottedYAsync(logits)).Sum());

        // Ten decoder neighbours, largest cosine first, none of them the feature itself; co-active features by Jaccard.
        var cosines = page.GetByTestId("decoder-neighbour-score");
        await Assertions.Expect(cosines).ToHaveCountAsync(10);
        var c = (await cosines.AllInnerTextsAsync()).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(c.OrderByDescending(x => x), c);
        Assert.All(c, x => Assert.InRange(x, -1, 1));
        Assert.DoesNotContain(feature.ToString(CultureInfo.InvariantCulture), await page.GetByTestId("decoder-neighbour-link").AllInnerTextsAsync());
        var jaccard = (await page.GetByTestId("co-active-score").AllInnerTextsAsync()).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        Assert.NotEmpty(jaccard);
        Assert.All(jaccard, x => Assert.InRange(x, 0.0005, 1));
        Assert.Equal(jaccard.OrderByDescending(x => x), jaccard);

        // Per topic: the built-in run's 50 topics each a line through the six conditions, and the mean.
        var topics = page.GetByTestId("feature-topics");
        await Assertions.Expect(topics.Locator("g.trace.scatter")).ToHaveCountAsync(51);
        var x = await topics.Locator(".js-plotly-plot").EvaluateAsync<string[]>("plot => plot.data[0].x");
        Assert.Equal(6, x.Length);

        // Each context row tints its whole window: every token carries a value, and the outlined one is the row's value.
        var row = page.GetByTestId("context-row").First;
        var values = await row.Locator("[data-value]").EvaluateAllAsync<string[]>("spans => spans.map(s => s.dataset.value)");
        Assert.True(values.Length > 1, $"a window of {values.Length} token");
        string peak = (await row.Locator(".saex-heat-peak").GetAttributeAsync("data-value"))!;
        Assert.Equal((await row.Locator("td").Nth(1).InnerTextAsync()).Trim(), peak);
        Assert.Equal(values.Max(v => double.Parse(v, CultureInfo.InvariantCulture)), double.Parse(peak, CultureInfo.InvariantCulture));

        // A neighbour's link opens its page.
        string first = (await page.GetByTestId("decoder-neighbour-link").First.InnerTextAsync()).Trim();
        await dashboard.ClickUntilOnPathAsync(page, page.GetByTestId("decoder-neighbour-link").First, $"/feature/{first}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Feature {first}" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_pooling_is_in_the_address_and_a_reload_keeps_it()
    {
        int feature = await TopDifferentialFeatureAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));
        await Assertions.Expect(page.GetByTestId("feature-distribution")).ToContainTextAsync("max over your message");

        await page.GetByTestId("pooling").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText("mean over tokens").ClickAsync();
        await page.WaitForURLAsync("**pooling=mean**");
        await Assertions.Expect(page.GetByTestId("feature-distribution")).ToContainTextAsync("(mean over tokens)");

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("pooling")).ToContainTextAsync("mean over tokens");
        await Assertions.Expect(page.GetByTestId("feature-distribution")).ToContainTextAsync("(mean over tokens)");
    }

    [Fact]
    public async Task A_saved_label_survives_a_reload_and_shows_on_the_Live_page()
    {
        const string prompt = "Explain photosynthesis to a novice.";
        var live = await dashboard.NewPageAsync("/");
        await live.GetByTestId("prompt-input").FillAsync(prompt);
        await Assertions.Expect(live.GetByTestId("feature-row").First).ToBeVisibleAsync();
        int feature = int.Parse((await live.GetByTestId("feature-row").First.InnerTextAsync()).Trim(), CultureInfo.InvariantCulture);
        string label = $"test label {Guid.NewGuid():N}"[..24];

        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));
        await page.GetByTestId("label-input").FillAsync(label);
        await page.GetByTestId("notes-input").FillAsync("written by the browser test");
        await page.GetByTestId("label-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("label-saved")).ToContainTextAsync("Saved");

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("label-input")).ToHaveValueAsync(label);
        await Assertions.Expect(page.GetByTestId("notes-input")).ToHaveValueAsync("written by the browser test");

        var again = await dashboard.NewPageAsync("/");
        await again.GetByTestId("prompt-input").FillAsync(prompt);
        var row = again.GetByTestId("feature-table").Locator("tr", new() { Has = again.GetByTestId("feature-row").GetByText(feature.ToString(CultureInfo.InvariantCulture), new() { Exact = true }) });
        await Assertions.Expect(row).ToContainTextAsync(label);
    }

    [Fact]
    public async Task An_index_outside_the_SAE_is_a_message()
    {
        var page = await dashboard.NewPageAsync("/feature/4096");
        await Assertions.Expect(page.GetByTestId("feature-problem")).ToContainTextAsync("numbered 0 to 4095");
        // The page still answers: its promoted-tokens query for 4096 once threw inside torch and ended the circuit.
        await page.GetByTestId("feature-index").FillAsync("5");
        await dashboard.ClickUntilOnPathAsync(page, page.GetByTestId("feature-go"), "/feature/5");
        await Assertions.Expect(page.GetByTestId("promoted-token").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_bad_label_file_is_refused_with_the_reason()
    {
        var page = await dashboard.NewPageAsync("/feature/3");
        await page.GetByTestId("label-input").WaitForAsync();
        // MudFileUpload replaces its <input type=file> after each pick (so the same file can be picked again): use the newest.
        await page.GetByTestId("label-import").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "labels.json",
            MimeType = "application/json",
            Buffer = """[{"index": 3, "label": "ok"}, {"index": 3, "label": "again"}]"""u8.ToArray(),
        });
        await Assertions.Expect(page.GetByTestId("import-error")).ToContainTextAsync("entry 2: index 3 is a duplicate of entry 1");

        await page.GetByTestId("label-import").Last.SetInputFilesAsync(new FilePayload
        {
            Name = "labels.json",
            MimeType = "application/json",
            Buffer = """[{"index": 3, "label": "imported label"}]"""u8.ToArray(),
        });
        await Assertions.Expect(page.GetByTestId("import-result")).ToContainTextAsync("Imported 1 label");
        await Assertions.Expect(page.GetByTestId("label-input")).ToHaveValueAsync("imported label");
    }

    [Fact]
    public async Task The_PNG_export_is_a_300_dpi_PNG()
    {
        int feature = await TopDifferentialFeatureAsync();
        var page = await dashboard.NewPageAsync(dashboard.WithBuiltInRun($"/feature/{feature}"));
        await Assertions.Expect(page.GetByTestId("feature-distribution").Locator("svg.main-svg").First).ToBeVisibleAsync();

        await page.GetByTestId($"export-feature-{feature}").ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId($"export-feature-{feature}-png").ClickAsync());
        var bytes = await File.ReadAllBytesAsync(await download.PathAsync());

        Assert.Equal($"feature-{feature}.png", download.SuggestedFilename);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        var (x, y, unit) = PhysicalPixels(bytes);
        // 300 dpi = 300 / 0.0254 ≈ 11811 pixels per metre.
        Assert.Equal(1, unit);
        Assert.InRange(x, 11810u, 11812u);
        Assert.InRange(y, 11810u, 11812u);
        Assert.True(bytes.Length > 10_000, $"a {bytes.Length}-byte PNG is too small for a plotted figure");
    }

    /// <summary>The pHYs chunk: pixels per unit in x and y, and the unit (1 = metre).</summary>
    private static (uint X, uint Y, byte Unit) PhysicalPixels(byte[] png)
    {
        int offset = 8;
        while (offset + 8 <= png.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset));
            string type = System.Text.Encoding.ASCII.GetString(png, offset + 4, 4);
            if (type == "pHYs")
                return (BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 8)), BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(offset + 12)), png[offset + 16]);
            offset += 12 + length;
        }
        throw new Xunit.Sdk.XunitException("the PNG has no pHYs chunk");
    }
}
