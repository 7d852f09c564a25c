using SaeExplorer.Core.Errors;
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
                if (!string.IsNullOrWhiteSpace(_options.Model))
                    await LoadAsync(ConfiguredSpec(), CancellationToken.None);
                else
                    await LoadRememberedOrDemoAsync();
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

    /// <summary>
    /// Loads what the user chose in Settings and remembers it in the data folder, so the next start loads it again (the
    /// demo, null, is remembered by forgetting the last model).
    /// </summary>
    public async Task<ModelInfo> LoadChosenAsync(ModelSpec? spec, CancellationToken cancellation)
    {
        var info = await LoadAsync(spec, cancellation);
        var dataDirectory = _options.ResolveDataDirectory();
        if (spec is null)
            RememberedModel.Forget(dataDirectory);
        else
            new RememberedModel(spec.Model.Directory, spec.Sae.Path, spec.Layer, spec.Device.ToString(), spec.DType.Name()).Write(dataDirectory);
        return info;
    }

    /// <summary>
    /// The model last chosen in Settings, or the demo when there is none; a remembered model that cannot be loaded any
    /// more (moved, outside the allowed roots now) leaves the demo loaded and says why, and stays remembered: a disk that
    /// is back next time should not have cost the user their setting.
    /// </summary>
    private async Task LoadRememberedOrDemoAsync()
    {
        var dataDirectory = _options.ResolveDataDirectory();
        var remembered = RememberedModel.Read(dataDirectory, out var unreadable);
        string? why = unreadable;
        if (remembered is not null)
        {
            try
            {
                await LoadAsync(Resolve(remembered.Model, remembered.Sae, remembered.Layer, remembered.Device, remembered.DType), CancellationToken.None);
                return;
            }
            catch (Exception e) when (UserErrors.Is(e))
            {
                why = $"the model last loaded in Settings ({remembered.Model}, layer {remembered.Layer}) could not be loaded: {e.Message}";
            }
        }
        var demo = await LoadAsync(null, CancellationToken.None);
        if (why is not null)
        {
            logger.LogWarning("started on the demo model: {Reason}", why);
            Set(new ModelStatus(ModelState.Ready, $"{Describe(demo)} — {why}", demo));
        }
    }
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

    /// <summary>The model the configuration names (it wins over the one remembered from Settings).</summary>
    private ModelSpec ConfiguredSpec()
    {
        if (string.IsNullOrWhiteSpace(_options.Sae) || _options.Layer is null)
            throw new ArgumentException("SaeExplorer:Model is set but SaeExplorer:Sae or SaeExplorer:Layer is not; give all three (or none for the demo).");
        return Resolve(_options.Model!, _options.Sae, _options.Layer.Value, _options.Device, _options.DType);
    }

    /// <summary>A model named by paths and setting names (configuration or the remembered file), judged by the allowed roots.</summary>
    private ModelSpec Resolve(string model, string sae, int layer, string device, string dtype) =>
        ModelSpec.Resolve(paths.Resolve(model, "model"), paths.Resolve(sae, "SAE"), layer, ComputeDevice.Parse(device), ComputeDTypes.Parse(dtype));

    public static string Describe(ModelInfo info) =>
        $"{(info.Spec.IsDemo ? "demo model" : Path.GetFileName(Path.TrimEndingDirectorySeparator(info.Spec.Model.Directory)))} · layer {info.Spec.Layer} · " +
        $"SAE {info.DModel} → {info.DSae:N0} ({info.SaeArchitecture}) · {info.Spec.Device} {info.Spec.DType.Name()}";

    private void Set(ModelStatus status)
    {
        Status = status;
        Changed?.Invoke(status);
    }
}
