using SaeExplorer.Core.Errors;
using SaeExplorer.Core.Experiments;
using SaeExplorer.Judge;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Runs;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Application.Answers;

public enum JudgeJobState
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>A judging of a run as pages show it: calls answered of all it needs, how many came from the store, how it ended.</summary>
/// <param name="Error">one line saying why it failed (never the key)</param>
public sealed record JudgeJobSnapshot(string RunId, string JudgeModel, JudgeJobState State, int Done, int Total, int Cached, string? Error);

/// <summary>
/// Judges runs in the background with the judge settings in use, as <c>saex judge</c> does (every arm, both protocols,
/// seed 0, each call cached in the store), one judging per run at a time. A judging belongs to the app, not to the page
/// that started it: leaving the page does not stop it, <see cref="Cancel"/> does; what was answered stays cached.
/// </summary>
public sealed class JudgeJobs(FeatureStore store, JudgeSettingsHolder settings, ILogger<JudgeJobs> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JudgeJobSnapshot> _latest = [];
    private readonly Dictionary<string, CancellationTokenSource> _running = [];

    /// <summary>Raised on any thread whenever a judging starts, progresses or ends.</summary>
    public event Action<JudgeJobSnapshot>? Changed;

    /// <summary>The judging of this run going on now, or the last one since the app started; null if none.</summary>
    public JudgeJobSnapshot? Latest(string runId)
    {
        lock (_gate)
            return _latest.GetValueOrDefault(runId);
    }

    /// <summary>
    /// Checks everything that can be checked before a call is made — the settings, the run and its answers, the key — and
    /// starts judging; the judging goes on in the background and reports through <see cref="Changed"/>.
    /// </summary>
    public JudgeJobSnapshot Start(string runId, PairScope pairs)
    {
        var endpoint = settings.Current.Endpoint();
        var (record, _, set) = new RunLifecycle(store).Reopen(runId);
        var arms = store.ListArms(record.RunId).Select(a => store.GetAnswerSet(record.RunId, a)!).ToList();
        var request = new JudgeRequest(record.RunId, arms, JudgeProtocol.Both, Seed: 0, pairs);
        int total = JudgeJob.Plan(set, request).Count;
        // The client reads the key from its variable now, and refuses a missing one before anything is sent.
        var client = new JudgeClient(endpoint, store);
        var cancellation = new CancellationTokenSource();
        var started = new JudgeJobSnapshot(record.RunId, endpoint.Model, JudgeJobState.Running, 0, total, 0, null);
        lock (_gate)
        {
            if (!_running.TryAdd(record.RunId, cancellation))
            {
                client.Dispose();
                cancellation.Dispose();
                throw new RefusedException($"run {record.RunId} is being judged already; wait for it to finish or cancel it.");
            }
            _latest[record.RunId] = started;
        }
        Changed?.Invoke(started);
        _ = Task.Run(() => RunAsync(set, request, client, cancellation, started));
        return started;
    }

    /// <summary>Asks a judging to stop; false when this run is not being judged.</summary>
    public bool Cancel(string runId)
    {
        CancellationTokenSource? source;
        lock (_gate)
            _running.TryGetValue(runId, out source);
        return BackgroundCancellation.TryCancel(source);
    }

    private async Task RunAsync(PromptSet set, JudgeRequest request, JudgeClient client, CancellationTokenSource cancellation, JudgeJobSnapshot started)
    {
        var progress = new SynchronousProgress<JudgeProgress>(p => Progress(started.RunId, p));
        Func<JudgeJobSnapshot, JudgeJobSnapshot> end;
        try
        {
            var judgements = await JudgeJob.RunAsync(set, request, client, progress, cancellation.Token);
            store.PutJudgements(judgements);
            end = s => s with { State = JudgeJobState.Completed, Done = s.Total, Cached = judgements.Usage.Cached };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            end = s => s with { State = JudgeJobState.Cancelled };
        }
        catch (Exception e) when (e is SettingsException or JudgeUnavailableException or HttpRequestException or StoreException)
        {
            logger.LogInformation("judging run {RunId} stopped: {Reason}", request.RunId, e.Message);
            end = s => s with { State = JudgeJobState.Failed, Error = e.Message.ReplaceLineEndings(" ") };
        }
        catch (Exception e)
        {
            // Nothing awaits this task: a bug is logged here and shown as one line, never lost.
            logger.LogError(e, "judging run {RunId} failed", request.RunId);
            end = s => s with { State = JudgeJobState.Failed, Error = e.Message.ReplaceLineEndings(" ") };
        }
        finally
        {
            client.Dispose();
        }
        JudgeJobSnapshot ended;
        lock (_gate)
        {
            // One step, so a judging started next never sees this one's end overwrite its start.
            _running.Remove(request.RunId);
            ended = _latest[request.RunId] = end(_latest[request.RunId]);
        }
        cancellation.Dispose();
        Changed?.Invoke(ended);
    }

    private void Progress(string runId, JudgeProgress progress)
    {
        JudgeJobSnapshot next;
        lock (_gate)
        {
            // Calls finish concurrently, so reports can arrive out of order: a page only ever sees the count grow.
            var current = _latest[runId];
            if (progress.Done <= current.Done)
                return;
            next = _latest[runId] = current with { Done = progress.Done, Total = progress.Total, Cached = progress.Cached };
        }
        Changed?.Invoke(next);
    }
}
