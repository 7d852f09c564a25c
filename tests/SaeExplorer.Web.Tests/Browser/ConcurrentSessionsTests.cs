using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

[Collection(DashboardCollection.Name)]
public sealed class ConcurrentSessionsTests(DashboardFixture dashboard)
{
    private static readonly string[] Words =
    [
        "aardvark", "bassoon", "cathedral", "dolphin", "eucalyptus", "fjord", "glacier", "harpsichord", "iguana", "jasmine",
        "kayak", "lighthouse", "mandolin", "narwhal", "origami", "pelican", "quartz", "raspberry", "saxophone", "tundra",
    ];

    /// <summary>
    /// Twenty browser sessions (separate contexts, so separate circuits) type on the Live page at the same time, twice.
    /// Each must get the features of its own prompt — the model worker serialises the requests, nothing crosses between
    /// circuits — within a bounded time, and the server must stay healthy.
    /// </summary>
    [Fact]
    public async Task Twenty_concurrent_live_sessions_each_get_their_own_features()
    {
        // Opening is not what is under test: open the sessions a few at a time (each loads the page's scripts), then
        // have all twenty work at once — and only them: pages earlier tests left open are closed.
        await dashboard.CloseOpenPagesAsync();
        var pages = new List<IPage>();
        foreach (var batch in Words.Chunk(5))
            pages.AddRange(await Task.WhenAll(batch.Select(_ => dashboard.NewPageAsync("/"))));
        var clock = Stopwatch.StartNew();
        try
        {
            for (int round = 0; round < 2; round++)
            {
                string Prompt(int i) => round == 0 ? $"Tell me about the {Words[i]}." : $"Write a short poem about a {Words[i]} at night.";
                await Task.WhenAll(pages.Select((page, i) => page.GetByTestId("prompt-input").FillAsync(Prompt(i))));
                await Task.WhenAll(pages.Select(async (page, i) =>
                {
                    var strip = page.GetByTestId("token-strip");
                    await Assertions.Expect(strip).ToContainTextAsync(round == 0 ? "Tell me about the" : "poem about a", new() { Timeout = 90_000 });
                    await Assertions.Expect(page.GetByTestId("feature-row").First).ToBeVisibleAsync(new() { Timeout = 90_000 });
                    // The strip is this session's prompt and no one else's.
                    string text = await strip.InnerTextAsync();
                    foreach (var (other, j) in Words.Select((w, j) => (w, j)).Where(x => x.j != i))
                        Assert.DoesNotContain(other[..4], text);
                    Assert.True(int.Parse(await page.GetByTestId("active-count").InnerTextAsync(), CultureInfo.InvariantCulture) > 0);
                }));
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"20 sessions × 2 prompts took {clock.Elapsed.TotalSeconds:F1} s");
            using var http = new HttpClient();
            Assert.Contains("\"ready\"", await http.GetStringAsync(dashboard.Server.BaseUrl + "/healthz"));
        }
        finally
        {
            await Task.WhenAll(pages.Select(p => p.Context.CloseAsync()));
        }
    }
}
