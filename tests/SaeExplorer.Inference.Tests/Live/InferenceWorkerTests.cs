using SaeExplorer.Inference.Live;

namespace SaeExplorer.Inference.Tests.Live;

public sealed class InferenceWorkerTests
{
    [Fact]
    public async Task Requests_run_in_order_on_one_dedicated_thread()
    {
        using var worker = new InferenceWorker();
        var threads = new List<int>();
        var order = new List<int>();
        var tasks = Enumerable.Range(0, 20).Select(i => worker.RunAsync(_ =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            order.Add(i);
            return i * i;
        })).ToList();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), results);
        Assert.Equal(Enumerable.Range(0, 20), order);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
    }

    [Fact]
    public async Task A_long_request_lets_interactive_requests_in_between_its_steps_and_nothing_else()
    {
        using var worker = new InferenceWorker();
        using var queued = new ManualResetEventSlim();
        var order = new List<string>();
        Task? live = null, other = null;
        var experiment = worker.RunAsync(_ =>
        {
            queued.Wait(TimeSpan.FromSeconds(10));
            for (int step = 0; step < 50 && !live!.IsCompleted; step++)
            {
                order.Add("step");
                worker.RunInteractiveNow();
                Thread.Sleep(20);
            }
            order.Add("experiment done");
        });
        // Queued while the experiment runs: another long request, then a Live analysis.
        other = worker.RunAsync(_ => order.Add("other"));
        live = worker.RunAsync(_ => order.Add("live"), interactive: true);
        queued.Set();
        await Task.WhenAll(experiment, other, live);
        // Live ran inside the experiment, between two steps; the other long request waited its turn after it.
        Assert.Equal(["step", "live", "experiment done", "other"], order);
        Assert.Equal(0, worker.Pending);
        Assert.Throws<InvalidOperationException>(() => worker.RunInteractiveNow());
    }

    [Fact]
    public async Task A_request_cancelled_while_queued_never_runs()
    {
        using var worker = new InferenceWorker();
        using var gate = new ManualResetEventSlim();
        var blocker = worker.RunAsync(_ => gate.Wait(TimeSpan.FromSeconds(10)));
        using var cts = new CancellationTokenSource();
        bool ran = false;
        var queued = worker.RunAsync(_ => ran = true, cts.Token);
        cts.Cancel();
        gate.Set();
        await blocker;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(ran);
        Assert.Equal(0, worker.Pending);
    }

    [Fact]
    public async Task An_awaited_request_is_no_longer_pending_when_its_awaiter_resumes()
    {
        // The worker used to decrement after completing the task, so an awaiter resuming at once could still see it.
        using var worker = new InferenceWorker();
        for (int i = 0; i < 200; i++)
        {
            await worker.RunAsync(_ => i);
            Assert.Equal(0, worker.Pending);
            await Assert.ThrowsAsync<InvalidOperationException>(() => worker.RunAsync<int>(_ => throw new InvalidOperationException("no")));
            Assert.Equal(0, worker.Pending);
        }
    }

    [Fact]
    public async Task A_failing_request_fails_its_task_and_the_worker_goes_on()
    {
        using var worker = new InferenceWorker();
        var failing = worker.RunAsync<int>(_ => throw new InvalidOperationException("boom"));
        var next = worker.RunAsync(_ => 42);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("boom", e.Message);
        Assert.Equal(42, await next);
    }

    [Fact]
    public async Task A_running_request_sees_its_token()
    {
        using var worker = new InferenceWorker();
        using var cts = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        var task = worker.RunAsync(ct =>
        {
            started.Set();
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                Thread.Sleep(5);
            }
#pragma warning disable CS0162 // the loop only ends by cancellation
            return 0;
#pragma warning restore CS0162
        }, cts.Token);
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
    }

    [Fact]
    public async Task After_dispose_new_requests_fail_instead_of_hanging()
    {
        var worker = new InferenceWorker();
        Assert.Equal(1, await worker.RunAsync(_ => 1));
        worker.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => worker.RunAsync(_ => 2));
    }
}
