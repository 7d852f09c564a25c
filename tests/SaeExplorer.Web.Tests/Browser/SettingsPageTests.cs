using System.IO.Compression;
using Microsoft.Playwright;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>A crafted SAE in Settings is a field error, and the server goes on serving (the hardening issue, item 1).</summary>
[Collection(DashboardCollection.Name)]
public sealed class SettingsPageTests(DashboardFixture dashboard)
{
    /// <summary>A torch zip whose pickle is a dict holding 50,000 nested lists: it overflowed the stack of the process that walked it.</summary>
    private static string NestedPickle(string folder)
    {
        var path = Path.Combine(folder, "crafted-nested.pt");
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using var s = zip.CreateEntry("crafted/data.pkl", CompressionLevel.NoCompression).Open();
        s.Write([0x80, 0x02, (byte)'}', 0x8c, 1, (byte)'x', .. Enumerable.Repeat((byte)']', 50_001), .. Enumerable.Repeat((byte)'a', 50_000), (byte)'s', (byte)'.']);
        return path;
    }

    [Fact]
    public async Task A_crafted_sae_is_a_field_error_and_another_session_keeps_working()
    {
        var sae = NestedPickle(dashboard.Server.DataDirectory);
        var settings = await dashboard.NewPageAsync("/settings");
        var live = await dashboard.NewPageAsync("/");
        try
        {
            await settings.GetByLabel("Model folder").FillAsync(Path.Combine(dashboard.Server.DataDirectory, "demo", "model"));
            await settings.GetByLabel("SAE", new() { Exact = true }).FillAsync(sae);
            await settings.GetByLabel("Layer", new() { Exact = true }).FillAsync("2");
            await settings.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
            await Assertions.Expect(settings.GetByTestId("settings-message")).ToContainTextAsync("problem(s)", new() { Timeout = 30_000 });
            await Assertions.Expect(settings.Locator(".mud-input-helper-text.mud-input-error")).ToContainTextAsync(
                "containers are nested more than 64 deep", new() { Timeout = 10_000 });

            // The same circuit and another one still work.
            await live.GetByTestId("prompt-input").FillAsync("Tell me about the harpsichord.");
            await Assertions.Expect(live.GetByTestId("token-strip")).ToContainTextAsync("harpsichord", new() { Timeout = 60_000 });
            await settings.GetByRole(AriaRole.Button, new() { Name = "Check" }).ClickAsync();
            await Assertions.Expect(settings.GetByTestId("settings-message")).ToContainTextAsync("problem(s)");
            using var http = new HttpClient();
            Assert.Contains("\"ready\"", await http.GetStringAsync(dashboard.Server.BaseUrl + "/healthz"));
        }
        finally
        {
            await settings.Context.CloseAsync();
            await live.Context.CloseAsync();
            File.Delete(sae);
        }
    }
}
