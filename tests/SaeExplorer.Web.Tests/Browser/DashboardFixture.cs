using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>One dashboard process and one headless Debian chromium shared by the browser tests of a collection.</summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private readonly SemaphoreSlim _builtInRun = new(1, 1);

    public DashboardServer Server { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The id of the built-in experiment's run made by <see cref="EnsureBuiltInRunAsync"/> (null before it ran).</summary>
    public string? BuiltInRunId { get; private set; }

    /// <summary>
    /// A page address that opens the built-in run (?run=ID): other tests make runs of their own, and without it the
    /// pages would show the newest.
    /// </summary>
    public string WithBuiltInRun(string path) =>
        path + (path.Contains('?') ? "&" : "?") + "run=" + Uri.EscapeDataString(BuiltInRunId ?? throw new InvalidOperationException("call EnsureBuiltInRunAsync first"));

    /// <summary>The Experiments page's progress line as first seen during that run, or null if the run ended before it showed.</summary>
    public string? BuiltInRunProgress { get; private set; }

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

    /// <summary>
    /// Closes every page earlier tests of the collection left open. Each is a live circuit in the app and a renderer in
    /// the browser, all on the same two cores: a test that times the server under load closes them first, so that it
    /// measures its own sessions (one run alone took 19 s; after the suite's earlier tests, 131 s).
    /// </summary>
    public async Task CloseOpenPagesAsync()
    {
        foreach (var context in Browser.Contexts.ToList())
            await context.CloseAsync();
    }

    /// <summary>A fresh browser context (its own circuit) at desktop width, with downloads allowed.</summary>
    /// <param name="consoleErrors">when given, collects the page's console errors and uncaught exceptions from the first request on</param>
    public async Task<IPage> NewPageAsync(string path = "/", List<string>? consoleErrors = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            AcceptDownloads = true,
            BaseURL = Server.BaseUrl,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        if (consoleErrors is not null)
        {
            page.Console += (_, m) => { if (m.Type == "error") lock (consoleErrors) consoleErrors.Add(m.Text); };
            page.PageError += (_, e) => { lock (consoleErrors) consoleErrors.Add(e); };
        }
        await page.GotoAsync(path, new PageGotoOptions { Timeout = 90_000 });
        // Pages are not prerendered, so the layout exists only once the Blazor circuit is up and the page is interactive.
        await page.Locator(".mud-layout").WaitForAsync(new LocatorWaitForOptions { Timeout = 90_000 });
        return page;
    }

    /// <summary>
    /// Runs the built-in seed experiment (6 conditions × 50 topics) once per fixture through the Experiments page, for
    /// the tests of pages that need a completed run; later calls return at once.
    /// </summary>
    public async Task EnsureBuiltInRunAsync()
    {
        await _builtInRun.WaitAsync();
        try
        {
            if (BuiltInRunId is not null)
                return;
            var page = await NewPageAsync("/experiments");
            try
            {
                var completed = page.Locator("tr")
                    .Filter(new() { Has = page.Locator("[data-testid=run-set]", new() { HasTextRegex = new("^seed-styles$") }) })
                    .Filter(new() { Has = page.Locator("[data-testid=run-status]", new() { HasTextRegex = new("^completed$") }) });
                await page.GetByTestId("run-history").WaitForAsync();
                int before = await completed.CountAsync();
                // The built-in set is listed, and selected, first.
                await page.GetByTestId("run-experiment").ClickAsync(new() { Timeout = 120_000 });
                var progress = page.GetByTestId("run-progress-text");
                await Assertions.Expect(progress.Or(completed.Nth(before))).ToBeVisibleAsync(new() { Timeout = 60_000 });
                if (await progress.IsVisibleAsync())
                    BuiltInRunProgress = await progress.First.InnerTextAsync();
                await Assertions.Expect(completed).ToHaveCountAsync(before + 1, new() { Timeout = 240_000 });
                // Newest first: the run just made is the first completed seed-styles row.
                BuiltInRunId = (await completed.First.GetByTestId("run-id").InnerTextAsync()).Trim();
            }
            finally
            {
                await page.Context.CloseAsync();
            }
        }
        finally
        {
            _builtInRun.Release();
        }
    }

    /// <summary>
    /// Clicks <paramref name="target"/> until the page's address matches <paramref name="url"/> (a glob); see
    /// <see cref="ClickUntilAtAsync(IPage, Func{int, Task}, Func{PageWaitForURLOptions, Task}, string, TimeSpan?)"/>.
    /// </summary>
    public Task ClickUntilAtAsync(IPage page, ILocator target, string url, TimeSpan? perTry = null) =>
        ClickUntilAtAsync(page, attempt => target.ClickAsync(new() { Timeout = attempt == 1 ? 30_000 : 5_000 }),
            options => page.WaitForURLAsync(url, options), url, perTry);

    /// <summary>
    /// Clicks <paramref name="target"/> until the page is at <paramref name="path"/>, whatever its query: a page with a
    /// run picker writes <c>?run=…</c> into its address as soon as it opens, so a glob of the path alone can miss the
    /// moment (it did on CI: the page had opened, at <c>/feature/1516?run=…</c>).
    /// </summary>
    public Task ClickUntilOnPathAsync(IPage page, ILocator target, string path) =>
        ClickUntilAtAsync(page, attempt => target.ClickAsync(new() { Timeout = attempt == 1 ? 30_000 : 5_000 }),
            options => page.WaitForURLAsync(url => new Uri(url).AbsolutePath == path, options), path);

    /// <summary>
    /// Runs <paramref name="click"/> (given the attempt, from 1) until <paramref name="waitForUrl"/> sees the page at
    /// its address, up to three times with <paramref name="perTry"/> each. On a loaded CI box a click that leads to a
    /// navigation has gone without effect (the click was made, the address never changed) on the UMAP and the
    /// Experiments pages; a user clicks again, and so does the test. A retry whose click times out (a late navigation
    /// removed its target) goes on to the wait. The failure message carries the app's log.
    /// </summary>
    public async Task ClickUntilAtAsync(IPage page, Func<int, Task> click, Func<PageWaitForURLOptions, Task> waitForUrl, string what, TimeSpan? perTry = null)
    {
        float timeout = (float)(perTry ?? TimeSpan.FromSeconds(20)).TotalMilliseconds;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await click(attempt);
            }
            catch (TimeoutException) when (attempt > 1)
            {
            }
            try
            {
                await waitForUrl(new() { WaitUntil = WaitUntilState.Commit, Timeout = timeout });
                return;
            }
            catch (TimeoutException e) when (attempt == 3)
            {
                string log = Server.Log;
                throw new TimeoutException($"three clicks did not lead to {what}; {await PageStateAsync(page)}; the app's log ends with:\n{(log.Length <= 4000 ? log : log[^4000..])}", e);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>
    /// Where the page is and whether Blazor shows its reconnect dialog or error bar: a click that never navigates was
    /// seen once on CI with nothing in the app's log, so the failure says what the browser showed.
    /// </summary>
    private static async Task<string> PageStateAsync(IPage page)
    {
        try
        {
            string state = await page.EvaluateAsync<string>("""
                () => {
                    const shown = sel => { const e = document.querySelector(sel); return e ? (e.checkVisibility() ? 'shown' : 'hidden') : 'absent'; };
                    return `at ${location.href}, reconnect dialog ${shown('#components-reconnect-modal')}, error bar ${shown('#blazor-error-ui')}, `
                        + `focused element: ${document.activeElement?.outerHTML?.slice(0, 200) ?? 'none'}`;
                }
                """);
            return state;
        }
        catch (PlaywrightException e)
        {
            return $"the page could not be read ({e.Message})";
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
