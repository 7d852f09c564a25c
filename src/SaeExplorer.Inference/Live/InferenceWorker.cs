using System.Collections.Concurrent;
using TorchSharp;

namespace SaeExplorer.Inference.Live;

/// <summary>
/// The one thread that touches tensors in a long-running host (the dashboard). TorchSharp's dispose scopes are
/// per thread, and a GPU runs one stream of work best anyway, so every request is queued here and run in order,
/// each inside its own dispose scope; callers await plain results. A request whose token is cancelled while it
/// waits never starts, and a running one sees the token (the pipeline checks it between batches). Requests open their
/// own dispose scopes around forward passes; the worker adds none, because a load request's tensors (the weights) must
/// outlive it.
/// </summary>
public sealed class InferenceWorker : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue = new();
    private readonly ConcurrentQueue<WorkItem> _interactive = new();
    private readonly Thread _thread;
    private int _pending;

    public InferenceWorker(string name = "saex-inference")
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Requests queued or running now.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Live tensors after the last request finished (TorchSharp's dispose-scope statistics): a leak check.</summary>
    public long LiveTensorsAfterLastRequest { get; private set; }

    /// <param name="interactive">
    /// a short request someone is waiting for (a Live analysis): a long request that calls
    /// <see cref="RunInteractiveNow"/> between its batches lets it run there instead of after the whole long request
    /// </param>
    public Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellation = default, bool interactive = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellation.IsCancellationRequested)
        {
            completion.SetCanceled(cancellation);
            return completion.Task;
        }
        Interlocked.Increment(ref _pending);
        var item = new WorkItem(() =>
        {
            // The outcome is settled first and published last: an awaiter may resume the moment the task completes,
            // and by then Pending and LiveTensorsAfterLastRequest must already count this request as done.
            Action publish;
            if (cancellation.IsCancellationRequested)
                publish = () => completion.TrySetCanceled(cancellation);
            else
            {
                try
                {
                    var result = work(cancellation);
                    publish = () => completion.TrySetResult(result);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    publish = () => completion.TrySetCanceled(cancellation);
                }
                catch (Exception e)
                {
                    publish = () => completion.TrySetException(e);
                }
            }
            LiveTensorsAfterLastRequest = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Interlocked.Decrement(ref _pending);
            publish();
        }, () => completion.TrySetException(new ObjectDisposedException(nameof(InferenceWorker), "the inference worker has shut down")));
        try
        {
            // An interactive request sits in both queues; whichever reaches it first runs it, the other skips it.
            if (interactive)
                _interactive.Enqueue(item);
            _queue.Add(item);
        }
        catch (InvalidOperationException)
        {
            Interlocked.Decrement(ref _pending);
            item.Abandon();
        }
        return completion.Task;
    }

    public Task RunAsync(Action<CancellationToken> work, CancellationToken cancellation = default, bool interactive = false) =>
        RunAsync(ct => { work(ct); return true; }, cancellation, interactive);

    /// <summary>
    /// Runs the interactive requests queued so far, here and now; for a long request (a dashboard experiment) to call
    /// between its batches, on the worker thread, so Live stays responsive while it runs. Anything else queued waits.
    /// </summary>
    public void RunInteractiveNow()
    {
        if (Thread.CurrentThread != _thread)
            throw new InvalidOperationException("only a request running on the inference worker can let interactive requests in.");
        while (_interactive.TryDequeue(out var item))
            item.RunOnce();
    }

    private void Loop()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
            RunWithoutCollections(item.RunOnce);
    }

    /// <summary>Allocation a request may make before the runtime ends its no-collection region (and collects).</summary>
    private const long NoCollectionBudget = 64L << 20;

    /// <summary>
    /// Runs a request with the garbage collector held off. TorchSharp 0.107 passes the raw handle of a temporary
    /// <see cref="Scalar"/> (the alpha of every <c>a + b</c>, the operand of <c>x * 2.0</c>) to native code without
    /// keeping the managed object alive, so a collection during the call can finalize it and free the scalar libtorch
    /// is reading. A busy host (the server's request threads allocating beside the worker) made that happen every few
    /// hundred decoding steps, as "Expected false to be true … toFloat" from an add. No collection while a request
    /// runs, no such race; the temporaries die after their calls have returned. A request that allocates past the
    /// budget (a model load) ends the region early and runs as before.
    /// </summary>
    private static void RunWithoutCollections(Action run)
    {
        bool held;
        try
        {
            held = GC.TryStartNoGCRegion(NoCollectionBudget);
        }
        catch (InvalidOperationException)
        {
            held = false;
        }
        try
        {
            run();
        }
        finally
        {
            if (held && System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
                GC.EndNoGCRegion();
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        if (Thread.CurrentThread != _thread)
            _thread.Join();
        _queue.Dispose();
    }

    private sealed class WorkItem(Action run, Action abandon)
    {
        private int _started;

        public void RunOnce()
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
                run();
        }

        public void Abandon()
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
                abandon();
        }
    }
}
