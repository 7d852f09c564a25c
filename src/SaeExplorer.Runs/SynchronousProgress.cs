namespace SaeExplorer.Runs;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls back at once on the reporting thread, one report at a time
/// (Progress&lt;T&gt; would post to a captured context or the thread pool and reorder lines; concurrent calls report
/// from many threads).
/// </summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    private readonly Lock _gate = new();

    public void Report(T value)
    {
        lock (_gate)
            report(value);
    }
}
