namespace SaeExplorer.Web.Infrastructure;

/// <summary>Cancelling background work (a run, a judging) that may end on its own at the same moment.</summary>
public static class BackgroundCancellation
{
    /// <summary>
    /// Cancels <paramref name="source"/>; false when there is none or the work ended (and disposed it) between the
    /// look-up and the cancel. Call it outside any lock: cancelling runs the token's callbacks on this thread.
    /// </summary>
    public static bool TryCancel(CancellationTokenSource? source)
    {
        if (source is null)
            return false;
        try
        {
            source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
