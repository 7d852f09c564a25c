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
