using SaeExplorer.Storage;

namespace SaeExplorer.Web.Tests.Browser;

/// <summary>A second dashboard on a data folder in use says so on /healthz, with the holder's pid (the hardening issue, item 8).</summary>
public sealed class StoreInUseTests
{
    [Fact]
    public async Task A_dashboard_whose_store_is_held_elsewhere_is_not_ready_and_names_the_holder()
    {
        FeatureStore? held = null;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => DashboardServer.StartAsync(
                data => held = FeatureStore.Open(Path.Combine(data, "saex.db")), TimeSpan.FromSeconds(120)));
            Assert.StartsWith("the dashboard's store is unavailable: ", e.Message);
            Assert.Contains($"is in use by another saex process (pid {Environment.ProcessId})", e.Message);
        }
        finally
        {
            held?.Dispose();
        }
    }
}
