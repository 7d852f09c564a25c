using System.Collections.Concurrent;
using SaeExplorer.Core.Features;

namespace SaeExplorer.Web.Application.Umap;

/// <summary>
/// UMAP maps by (run, pooling) for the app's lifetime: a run's data never changes and the maps are seeded, so a
/// second visit (from any browser) shows the same picture at once instead of fitting again.
/// </summary>
public sealed class UmapCache
{
    private readonly ConcurrentDictionary<(string RunId, PoolingMethod Pooling), Lazy<Task<UmapView>>> _views = new();

    /// <summary>The cached maps, or <paramref name="compute"/>'s (started once even when several pages ask at the same time).</summary>
    public Task<UmapView> GetOrCompute(string runId, PoolingMethod pooling, Func<Task<UmapView>> compute)
    {
        var key = (runId, pooling);
        Lazy<Task<UmapView>>? created = null;
        var entry = _views.GetOrAdd(key, _ => created = new Lazy<Task<UmapView>>(compute));
        // A failure (the run's model was unloaded, say) is not remembered: the next visit tries again. An earlier
        // visit's failure may not have been removed yet by the continuation below, so it is dropped on the spot.
        if (!ReferenceEquals(entry, created) && (entry.Value.IsFaulted || entry.Value.IsCanceled))
        {
            _views.TryRemove(KeyValuePair.Create(key, entry));
            entry = _views.GetOrAdd(key, _ => new Lazy<Task<UmapView>>(compute));
        }
        var current = entry;
        _ = current.Value.ContinueWith(_ => _views.TryRemove(KeyValuePair.Create(key, current)),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
        return current.Value;
    }
}
