using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>The app bar's feature search and the list of labelled features (#14 B2).</summary>
[Collection(DashboardCollection.Name)]
public sealed class FeatureSearchPageTests(DashboardFixture dashboard)
{
    private async Task LabelAsync(int feature, string label, string notes)
    {
        var page = await dashboard.NewPageAsync($"/feature/{feature}");
        await page.GetByTestId("label-input").FillAsync(label);
        await page.GetByTestId("notes-input").FillAsync(notes);
        await page.GetByTestId("label-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("label-saved")).ToContainTextAsync("Saved");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_feature_is_found_from_another_page_by_a_word_of_its_notes_or_by_its_index()
    {
        string word = $"zq{Guid.NewGuid():N}"[..10];
        await LabelAsync(21, "search test label", $"notes mention {word} once");

        var page = await dashboard.NewPageAsync("/experiments");
        await page.GetByTestId("find-feature").FillAsync(word);
        var options = page.Locator(".mud-popover-open .mud-list-item");
        await Assertions.Expect(options).ToHaveCountAsync(1);
        await Assertions.Expect(options.First).ToHaveTextAsync("#21 search test label");
        await dashboard.ClickUntilOnPathAsync(page, options.First, "/feature/21");
        await Assertions.Expect(page.GetByTestId("label-input")).ToHaveValueAsync("search test label");

        await page.GetByTestId("find-feature").FillAsync("#33");
        await Assertions.Expect(options).ToHaveCountAsync(1);
        await dashboard.ClickUntilOnPathAsync(page, options.First, "/feature/33");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Feature 33" })).ToBeVisibleAsync();

        await page.GetByTestId("find-feature").FillAsync("no label says this " + word);
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToContainTextAsync("No feature by that index or label");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_labelled_features_page_lists_them_filters_in_the_address_and_links_to_each()
    {
        string word = $"zl{Guid.NewGuid():N}"[..10];
        await LabelAsync(17, $"listed {word}", "");
        await LabelAsync(18, "another listed one", $"its notes say {word}");

        var page = await dashboard.NewPageAsync("/features");
        await Assertions.Expect(page.GetByTestId("labelled-row").First).ToBeVisibleAsync();
        Assert.True(await page.GetByTestId("labelled-row").CountAsync() >= 2);

        await page.GetByTestId("labels-filter").FillAsync(word);
        await page.WaitForURLAsync($"**q={word}**");
        var rows = page.GetByTestId("labelled-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["17", "18"], (await page.GetByTestId("labelled-link").AllInnerTextsAsync()).Select(t => t.Trim()));
        await Assertions.Expect(page.GetByTestId("labels-count")).ToContainTextAsync("2 of");

        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("labels-filter")).ToHaveValueAsync(word);
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await dashboard.ClickUntilOnPathAsync(page, page.GetByTestId("labelled-link").Last, "/feature/18");
        await Assertions.Expect(page.GetByTestId("notes-input")).ToHaveValueAsync($"its notes say {word}");
        await page.Context.CloseAsync();
    }
}
