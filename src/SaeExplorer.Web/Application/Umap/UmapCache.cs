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
        var entry = _views.GetOrAdd(key, _ => new Lazy<Task<UmapView>>(compute));
        var task = entry.Value;
        // A failure (the run's model was unloaded, say) is not remembered: the next visit tries again.
        _ = task.ContinueWith(_ => _views.TryRemove(KeyValuePair.Create(key, entry)),
            CancellationToken.None, TaskContinuationOptions.NotOnRanToCompletion, TaskScheduler.Default);
        return task;
    }
}
