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
    [SupplyParameterFromQuery(Name = "colour")] public string? ColourFromAddress { get; set; }
    [SupplyParameterFromQuery(Name = "feature")] public int? FeatureFromAddress { get; set; }

    private string? _runId;
    private PoolingMethod _pooling = PoolingMethod.User;
    private UmapView? _view;
    private string? _error;
    private bool _busy;
    private readonly LatestOnly _requests = new();

    // What the user chose to colour by, and what the maps show: condition colours until a feature's values arrive.
    private UmapColour _colour = UmapColour.Condition;
    private int? _feature;
    private UmapFeatureValues? _featureValues;
    private UmapColour _shownColour = UmapColour.Condition;
    private IReadOnlyList<UmapTrace> _traces = [];
    private string? _colourError;
    private readonly LatestOnly _colourRequests = new();

    private IReadOnlyList<UmapPoint> _selection = [];
    private SelectionComparison? _comparison;
    private string? _comparisonError;
    private bool _comparing;
    private readonly LatestOnly _comparisonRequests = new();

    protected override void OnInitialized()
    {
        _pooling = AddressState.Pooling(PoolingFromAddress) ?? _pooling;
        _colour = AddressState.Choice<UmapColour>(ColourFromAddress) ?? _colour;
        _feature = FeatureFromAddress;
    }

    private Task OnRunChanged(string runId)
    {
        _runId = runId;
        WriteAddress();
        return LoadAsync();
    }

    private Task OnPoolingChanged(PoolingMethod pooling)
    {
        _pooling = pooling;
        WriteAddress();
        return LoadAsync();
    }

    private Task OnColourChanged(UmapColour colour)
    {
        _colour = colour;
        WriteAddress();
        return ColourAsync();
    }

    private Task OnFeatureChanged(int? feature)
    {
        _feature = feature;
        WriteAddress();
        return ColourAsync();
    }

    /// <summary>The default colouring (by condition) leaves the address as it was before colourings could be chosen.</summary>
    private void WriteAddress() => Address.Set(
        ("pooling", AddressState.Name(_pooling)),
        ("colour", _colour == UmapColour.Condition ? null : AddressState.Name(_colour)),
        ("feature", _colour == UmapColour.Feature ? _feature?.ToString(CultureInfo.InvariantCulture) : null));

    private async Task LoadAsync()
    {
        if (_runId is null || (_view is { } shown && shown.RunId == _runId && shown.Pooling == _pooling))
            return;
        // The page stops waiting for maps it no longer shows; the fit itself goes on into the cache for the next visit.
        var token = _requests.Next();
        _busy = true;
        _error = null;
        // A selection, its comparison and a feature's values belong to the prompts pooled the old way.
        _colourRequests.Next();
        _featureValues = null;
        ClearSelection();
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
        await ColourAsync();
    }

    /// <summary>Splits the shown maps into traces for the chosen colouring, fetching the feature's values first when needed.</summary>
    private async Task ColourAsync()
    {
        _colourError = null;
        if (_view is not { } view)
            return;
        bool Fits(UmapFeatureValues? values) => values is not null && values.Feature == _feature && values.RunId == view.RunId && values.Pooling == view.Pooling;
        if (_colour == UmapColour.Feature && _feature is { } feature && !Fits(_featureValues))
        {
            var token = _colourRequests.Next();
            try
            {
                var values = await Mediator.Send(new UmapFeatureValuesQuery(view.RunId, view.Pooling, feature), token);
                // Other maps or another feature were asked for while these values were on their way.
                if (token.IsCancellationRequested)
                    return;
                _featureValues = values;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (UserError e)
            {
                _colourError = e.Message;
                _featureValues = null;
            }
        }
        (_shownColour, _traces) = _colour switch
        {
            UmapColour.Topic => (UmapColour.Topic, UmapColouring.ByTopic(view)),
            UmapColour.Feature when Fits(_featureValues) => (UmapColour.Feature, [UmapColouring.ByFeature(view, _featureValues!)]),
            _ => (UmapColour.Condition, UmapColouring.ByCondition(view)),
        };
    }

    private void OnPointsSelected(IReadOnlyList<UmapPoint> points)
    {
        _comparisonRequests.Next();
        _selection = points;
        _comparison = null;
        _comparisonError = null;
        _comparing = false;
    }

    private void ClearSelection() => OnPointsSelected([]);

    private async Task CompareSelectionAsync()
    {
        if (_view is not { } view || _selection.Count == 0)
            return;
        var token = _comparisonRequests.Next();
        _comparing = true;
        _comparisonError = null;
        try
        {
            _comparison = await Mediator.Send(new CompareSelectionQuery(view.RunId, view.Pooling, _selection.Select(p => p.PromptId).ToList()), token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return;
        }
        catch (UserError e)
        {
            _comparisonError = e.Message;
        }
        _comparing = false;
    }

    /// <summary>A latent's page, opened on the run and pooling shown here.</summary>
    private string FeatureLink(int feature) => $"/feature/{feature}?run={Uri.EscapeDataString(_view!.RunId)}&pooling={AddressState.Name(_pooling)}";

    private static string G3(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

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

    public void Dispose()
    {
        _requests.Dispose();
        _colourRequests.Dispose();
        _comparisonRequests.Dispose();
    }
}
