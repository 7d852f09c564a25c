namespace SaeExplorer.Judge;

/// <summary>Many calls at once where the first one that fails for good stops the rest.</summary>
internal static class FailFast
{
    /// <summary>
    /// Runs <paramref name="body"/> for every item concurrently. The first exception other than a cancellation (a refused
    /// key, a bad model id, an endpoint down past its retries) cancels the others and is what this throws — not the
    /// cancellations it caused. Whatever the finished calls stored stays stored.
    /// </summary>
    public static async Task<TResult[]> WhenAllAsync<TItem, TResult>(IEnumerable<TItem> items, Func<TItem, CancellationToken, Task<TResult>> body,
        CancellationToken cancellation)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var tasks = items.Select(async item =>
        {
            try
            {
                return await body(item, failFast.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await failFast.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }).ToList();
        try
        {
            return await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            throw tasks.Select(t => t.Exception?.InnerException).First(e => e is not null and not OperationCanceledException)!;
        }
    }
}
