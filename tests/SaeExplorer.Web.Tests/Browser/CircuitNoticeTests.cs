using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>#14 A1: a circuit that loses its connection says so in the page and in the server's log, and comes back.</summary>
[Collection(DashboardCollection.Name)]
public sealed class CircuitNoticeTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task A_lost_connection_shows_the_reconnect_notice_is_logged_and_the_page_works_again_after()
    {
        var page = await dashboard.NewPageAsync("/");
        string circuitsBefore = dashboard.Server.Log;
        // Chromium's offline emulation drops the page's WebSocket, as a network failure or a sleeping laptop does.
        await page.Context.SetOfflineAsync(true);
        // Blazor draws its default notice in an open shadow root, which Playwright's CSS selectors pierce.
        var notice = page.Locator("#components-reconnect-modal .components-reconnect-overlay");
        await Assertions.Expect(notice).ToBeVisibleAsync(new() { Timeout = 60_000 });

        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(notice).ToBeHiddenAsync(new() { Timeout = 60_000 });
        await page.GetByTestId("prompt-input").FillAsync("Explain tides.");
        await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync();
        Assert.Contains("lost its connection to the browser", dashboard.Server.Log[circuitsBefore.Length..]);
        await page.Context.CloseAsync();
    }
}
