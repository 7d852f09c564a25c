namespace SaeExplorer.Web.Infrastructure;

/// <summary>
/// The cancellation for "only the latest request of this kind matters": each <see cref="Next"/> cancels the one before
/// (a user who changes a selector twice does not wait for the first answer), and disposing cancels the last.
/// </summary>
public sealed class LatestOnly : IDisposable
{
    private CancellationTokenSource? _current;

    public CancellationToken Next()
    {
        _current?.Cancel();
        _current?.Dispose();
        _current = new CancellationTokenSource();
        return _current.Token;
    }

    public void Dispose()
    {
        _current?.Cancel();
        _current?.Dispose();
        _current = null;
    }
}
