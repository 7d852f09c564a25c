using System.Globalization;
using Mediator;
using Microsoft.AspNetCore.Components;
using SaeExplorer.Core.Features;
using SaeExplorer.Web.Application.Umap;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Components.Pages.Umap;

public sealed partial class Umap : IDisposable
{
    [Inject] private IMediator Mediator { get; set; } = null!;
    [Inject] private NavigationManager Navigation { get; set; } = null!;
    [Inject] private AddressState Address { get; set; } = null!;

    [SupplyParameterFromQuery(Name = "pooling")] public string? PoolingFromAddress { get; set; }

    private string? _runId;
    private PoolingMethod _pooling = PoolingMethod.User;
    private UmapView? _view;
    private string? _error;
    private bool _busy;
    private readonly LatestOnly _requests = new();

    protected override void OnInitialized() => _pooling = AddressState.Pooling(PoolingFromAddress) ?? _pooling;

    private Task OnRunChanged(string runId)
    {
        _runId = runId;
        Address.Set(("pooling", AddressState.Name(_pooling)));
        return LoadAsync();
    }

    private Task OnPoolingChanged(PoolingMethod pooling)
    {
        _pooling = pooling;
        Address.Set(("pooling", AddressState.Name(pooling)));
        return LoadAsync();
    }

    private async Task LoadAsync()
    {
        if (_runId is null || (_view is { } shown && shown.RunId == _runId && shown.Pooling == _pooling))
            return;
        // The page stops waiting for maps it no longer shows; the fit itself goes on into the cache for the next visit.
        var token = _requests.Next();
        _busy = true;
        _error = null;
        try
        {
            _view = await Mediator.Send(new ComputeUmapQuery(_runId, _pooling), token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (UserError e)
        {
            _error = e.Message;
            _view = null;
        }
        _busy = false;
    }

    /// <summary>Opens the point's prompt on Live as the run sent it (chat format, system prompt) with this map's pooling.</summary>
    private void OpenOnLivePage(UmapPoint point) =>
        Navigation.NavigateTo($"/?run={Uri.EscapeDataString(_view!.RunId)}&id={Uri.EscapeDataString(point.PromptId)}&pooling={AddressState.Name(_pooling)}");

    /// <summary>The displayed rows: each metric for the activations map and the features map.</summary>
    private static IEnumerable<(string Label, double?[] Values)> MetricRows(UmapView v)
    {
        var maps = v.Embeddings;
        yield return ("Silhouette, original space", maps.Select(m => (double?)m.SilhouetteOriginal).ToArray());
        yield return ("Silhouette, map", maps.Select(m => m.Quality.Silhouette).ToArray());
        yield return ("kNN accuracy, original space", maps.Select(m => (double?)m.KnnAccuracyOriginal).ToArray());
        yield return ("kNN accuracy, map", maps.Select(m => m.Quality.KnnAccuracy).ToArray());
        yield return ("Trustworthiness", maps.Select(m => (double?)m.Quality.Trustworthiness).ToArray());
        yield return ("kNN preservation", maps.Select(m => (double?)m.Quality.KnnPreservation).ToArray());
    }

    private static string Format(double? value) => value?.ToString("F3", CultureInfo.InvariantCulture) ?? "—";

    public void Dispose() => _requests.Dispose();
}
