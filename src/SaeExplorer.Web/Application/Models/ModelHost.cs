using Microsoft.Extensions.Options;
using SaeExplorer.Demo;
using SaeExplorer.Inference.Live;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Application.Models;

public enum ModelState
{
    Starting,
    Loading,
    Ready,
    Failed,
}

/// <summary>Where the model service stands, for the banner every page shows.</summary>
public sealed record ModelStatus(ModelState State, string Message, ModelInfo? Info)
{
    public bool IsDemo => Info?.Spec.IsDemo == true;
}

/// <summary>
/// Loads the configured model (or creates and loads the demo model) when the app starts, and again when Settings
/// apply a new one; pages read <see cref="Status"/> and subscribe to <see cref="Changed"/>.
/// </summary>
public sealed class ModelHost(LiveModelService models, IOptions<SaeExplorerOptions> options, PathPolicy paths, ILogger<ModelHost> logger) : IHostedService
{
    private readonly SaeExplorerOptions _options = options.Value;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private Task? _startup;

    public ModelStatus Status { get; private set; } = new(ModelState.Starting, "starting the model service", null);

    public event Action<ModelStatus>? Changed;

    /// <summary>Completes when the startup load has finished (either way).</summary>
    public Task Startup => _startup ?? Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _startup = Task.Run(async () =>
        {
            try
            {
                await LoadAsync(InitialSpec, CancellationToken.None);
            }
            catch (Exception e)
            {
                Set(new ModelStatus(ModelState.Failed, e.Message, models.Current));
                logger.LogError(e, "loading the model at startup failed");
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads <paramref name="spec"/> (null: create the demo first); the previous model serves until the new one is in.</summary>
    public async Task<ModelInfo> LoadAsync(ModelSpec? spec, CancellationToken cancellation)
    {
        await _loading.WaitAsync(cancellation);
        try
        {
            var progress = new Progress<string>(message => Set(new ModelStatus(ModelState.Loading, message, models.Current)));
            if (spec is null)
            {
                Set(new ModelStatus(ModelState.Loading, "creating the demo model (first start only)", models.Current));
                var dataDirectory = _options.ResolveDataDirectory();
                var demo = await Task.Run(() => DemoModel.EnsureCreated(Path.Combine(dataDirectory, "demo"), progress, cancellation), cancellation);
                spec = ModelSpec.Resolve(demo.ModelDirectory, demo.SaePath, demo.Layer, isDemo: true);
            }
            var info = await models.LoadAsync(spec with { Generation = _options.Generation }, progress, cancellation);
            Set(new ModelStatus(ModelState.Ready, Describe(info), info));
            return info;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Set(new ModelStatus(ModelState.Failed, e.Message, models.Current));
            throw;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The model of the configuration, or null for the demo.</summary>
    private ModelSpec? InitialSpec
    {
        get
        {
            if (string.IsNullOrWhiteSpace(_options.Model))
                return null;
            if (string.IsNullOrWhiteSpace(_options.Sae) || _options.Layer is null)
                throw new ArgumentException("SaeExplorer:Model is set but SaeExplorer:Sae or SaeExplorer:Layer is not; give all three (or none for the demo).");
            return ModelSpec.Resolve(paths.Resolve(_options.Model, "model"), paths.Resolve(_options.Sae, "SAE"), _options.Layer.Value,
                ComputeDevice.Parse(_options.Device), ComputeDTypes.Parse(_options.DType));
        }
    }

    public static string Describe(ModelInfo info) =>
        $"{(info.Spec.IsDemo ? "demo model" : Path.GetFileName(Path.TrimEndingDirectorySeparator(info.Spec.Model.Directory)))} · layer {info.Spec.Layer} · " +
        $"SAE {info.DModel} → {info.DSae:N0} ({info.SaeArchitecture}) · {info.Spec.Device} {info.Spec.DType.Name()}";

    private void Set(ModelStatus status)
    {
        Status = status;
        Changed?.Invoke(status);
    }
}
