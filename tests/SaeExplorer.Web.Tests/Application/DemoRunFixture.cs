using Microsoft.Extensions.Logging.Abstractions;
using SaeExplorer.Core.Features;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs;
using SaeExplorer.Storage;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>
/// The demo model loaded in-process and one completed run of the built-in prompt set through the dashboard's own
/// <see cref="RunCatalog"/>, so handlers can be called directly and checked against the Core analyses.
/// </summary>
public sealed class DemoRunFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = FixturePaths.NewTempDirectory();

    public LiveModelService Models { get; } = new();
    public FeatureStore Store { get; private set; } = null!;
    public RunCatalog Runs { get; private set; } = null!;
    public string RunId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var demo = DemoModel.EnsureCreated(Path.Combine(_directory.Path, "demo"));
        await Models.LoadAsync(ModelSpec.Resolve(demo.ModelDirectory, demo.SaePath, demo.Layer, isDemo: true));
        Store = FeatureStore.Open(Path.Combine(_directory.Path, "saex.db"));
        Runs = new RunCatalog(Models, Store, NullLogger<RunCatalog>.Instance);
        var finished = new TaskCompletionSource<RunSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        Runs.Changed += s =>
        {
            if (s.Status != RunStatus.Running)
                finished.TrySetResult(s);
        };
        RunId = await Runs.StartAsync("seed-styles", PoolingMethod.User, "auto", CancellationToken.None);
        var end = await finished.Task.WaitAsync(TimeSpan.FromMinutes(5));
        if (end.Status != RunStatus.Completed)
            throw new InvalidOperationException($"the demo run ended {end.Status}: {end.Error}");
    }

    public Task DisposeAsync()
    {
        Models.Dispose();
        Store?.Dispose();
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DemoRunCollection : ICollectionFixture<DemoRunFixture>
{
    public const string Name = "demo run";
}
