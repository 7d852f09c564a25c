using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>One dashboard process and one headless Debian chromium shared by the browser tests of a collection.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private readonly SemaphoreSlim _runGate = new(1, 1);
    private bool _hasRun;

    public DashboardServer Server { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Debian's chromium (which .ci/run installs); SAEX_CHROMIUM overrides the path.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("SAEX_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new FileNotFoundException($"no chromium at {ChromiumPath}: install Debian's package (apt-get install chromium; .ci/run does) or set SAEX_CHROMIUM.", ChromiumPath);
        // A 2-core CI box runs the model, the server and chromium at once; give assertions time before failing.
        Assertions.SetDefaultExpectTimeout(20_000);
        Server = await DashboardServer.StartAsync();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (its own circuit) at desktop width, with downloads allowed.</summary>
    public async Task<IPage> NewPageAsync(string path = "/")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            AcceptDownloads = true,
            BaseURL = Server.BaseUrl,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync(path, new PageGotoOptions { Timeout = 90_000 });
        // Pages are not prerendered, so the layout exists only once the Blazor circuit is up and the page is interactive.
        await page.Locator(".mud-layout").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        return page;
    }

    /// <summary>
    /// Makes sure the dashboard has a completed run of the built-in prompt set, started the way a user does it: on the
    /// Experiments page (the built-in "seed-styles" set is selected by default), pressing the run button
    /// (data-testid="run-experiment") and waiting until the run's status (data-testid="run-status") says "completed".
    /// Once per dashboard process; tests of a collection share the run.
    /// </summary>
    public async Task EnsureBuiltInRunAsync()
    {
        await _runGate.WaitAsync();
        try
        {
            if (_hasRun)
                return;
            var page = await NewPageAsync("/experiments");
            await page.GetByTestId("run-experiment").ClickAsync();
            // 300 prompts through the demo model: seconds on a desktop, longer on a loaded 2-core CI box.
            await Assertions.Expect(page.GetByTestId("run-status")).ToContainTextAsync("completed", new() { Timeout = 240_000 });
            await page.Context.CloseAsync();
            _hasRun = true;
        }
        finally
        {
            _runGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.CloseAsync();
        _playwright?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
