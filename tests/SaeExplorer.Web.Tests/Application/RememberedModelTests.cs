using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaeExplorer.Inference.Live;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Models;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>The model loaded in Settings survives a restart (#14 A8: it was gone, the dashboard came back on the demo).</summary>
public sealed class RememberedModelTests
{
    private static string Sae => Path.Combine(FixturePaths.Fixtures, "sae", "goodfire_l2.pt");

    private static (ModelHost Host, LiveModelService Models) Start(string dataDirectory)
    {
        var models = new LiveModelService();
        var paths = new PathPolicy([FixturePaths.Fixtures, dataDirectory]);
        var host = new ModelHost(models, Options.Create(new SaeExplorerOptions { DataDirectory = dataDirectory }), paths, NullLogger<ModelHost>.Instance);
        return (host, models);
    }

    [Fact]
    public async Task A_model_loaded_in_settings_is_loaded_again_after_a_restart_and_choosing_the_demo_forgets_it()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var (first, firstModels) = Start(tmp.Path);
        using (firstModels)
        {
            var handler = new ModelSettingsHandler(new PathPolicy([FixturePaths.Fixtures]), first);
            var problems = await handler.Handle(new ApplyModelSettingsCommand(new ModelSettings(FixturePaths.TinyModel, Sae, 1, "cpu", "float32", null)), CancellationToken.None);
            Assert.Empty(problems);
        }
        var remembered = RememberedModel.Read(tmp.Path, out var problem);
        Assert.Null(problem);
        Assert.Equal(new RememberedModel(FixturePaths.TinyModel, Sae, 1, "cpu", "float32"), remembered);

        var (second, secondModels) = Start(tmp.Path);
        using (secondModels)
        {
            await second.StartAsync(CancellationToken.None);
            await second.Startup;
            Assert.Equal(ModelState.Ready, second.Status.State);
            var loaded = secondModels.Current!.Spec;
            Assert.Equal((FixturePaths.TinyModel, Sae, 1, false), (loaded.Model.Directory, loaded.Sae.Path, loaded.Layer, loaded.IsDemo));

            var handler = new ModelSettingsHandler(new PathPolicy([FixturePaths.Fixtures]), second);
            Assert.Empty(await handler.Handle(new ApplyModelSettingsCommand(null), CancellationToken.None));
            Assert.True(secondModels.Current!.Spec.IsDemo);
        }
        Assert.False(File.Exists(Path.Combine(tmp.Path, RememberedModel.FileName)));
    }

    [Fact]
    public async Task A_remembered_model_that_is_gone_starts_the_demo_says_why_and_stays_remembered()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var gone = new RememberedModel(Path.Combine(tmp.Path, "moved-away"), Sae, 1, "cpu", "float32");
        gone.Write(tmp.Path);

        var (host, models) = Start(tmp.Path);
        using (models)
        {
            await host.StartAsync(CancellationToken.None);
            await host.Startup;
            Assert.Equal(ModelState.Ready, host.Status.State);
            Assert.True(models.Current!.Spec.IsDemo);
            Assert.Contains($"the model last loaded in Settings ({gone.Model}, layer 1) could not be loaded", host.Status.Message);
        }
        Assert.Equal(gone, RememberedModel.Read(tmp.Path, out _));
    }

    [Fact]
    public async Task Loading_a_runs_model_takes_its_paths_layer_and_dtype_and_a_run_without_paths_says_so()
    {
        using var tmp = FixturePaths.NewTempDirectory();
        var (host, models) = Start(tmp.Path);
        using (models)
        {
            var handler = new ModelSettingsHandler(new PathPolicy([FixturePaths.Fixtures]), host);
            var setup = new SaeExplorer.Web.Application.Runs.RunSetup("tiny", "goodfire_l2.pt", 1, "Llama31", Core.Features.PoolingMethod.Max, "bfloat16", 8, FixturePaths.TinyModel, Sae);

            Assert.Empty(await handler.Handle(new LoadRunModelCommand(setup), CancellationToken.None));
            var loaded = models.Current!.Spec;
            Assert.Equal((FixturePaths.TinyModel, Sae, 1, Runs.Settings.ComputeDType.BFloat16), (loaded.Model.Directory, loaded.Sae.Path, loaded.Layer, loaded.DType));

            var problem = Assert.Single(await handler.Handle(new LoadRunModelCommand(setup with { ModelPath = null }), CancellationToken.None));
            Assert.Equal("this run was recorded before runs kept where their model and SAE were; load them in Settings.", problem.Message);
        }
    }
}
