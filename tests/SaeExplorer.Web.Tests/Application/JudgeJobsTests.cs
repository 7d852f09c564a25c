using SaeExplorer.Core.Errors;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SaeExplorer.Judge;
using SaeExplorer.Runs.Settings;
using SaeExplorer.Storage;
using SaeExplorer.Tests;
using SaeExplorer.Web.Application.Answers;
using SaeExplorer.Web.Infrastructure;

namespace SaeExplorer.Web.Tests.Application;

/// <summary>Judging a run from the dashboard: in the background, against a scripted judge on a loopback port.</summary>
public sealed class JudgeJobsTests : IAsyncLifetime
{
    /// <summary>
    /// The seeded run's calls: 12 baseline and 6 arm answers alone; with the baseline pairs, standard against each other
    /// condition on each topic (3 × 3) and each arm answer against its baseline answer (6), every pair in both orders.
    /// </summary>
    private const int Calls = 12 + 6 + 2 * (3 * 3 + 6);

    private readonly TempDirectory _directory = new();
    private readonly ScriptedServer _judge = new();
    private readonly JudgeSettingsHolder _settings = new(Options.Create(new SaeExplorerOptions()));
    private FeatureStore _store = null!;
    private JudgeJobs _jobs = null!;
    private string _runId = "";

    public Task InitializeAsync()
    {
        _store = FeatureStore.Open(Path.Combine(_directory.Path, "saex.db"));
        _runId = AnswersTestData.Seed(_store, judged: false);
        _jobs = new JudgeJobs(_store, _settings, NullLogger<JudgeJobs>.Instance);
        // A loopback endpoint needs no key, as a local saex serve.
        _settings.Current = new JudgeSettings(_judge.BaseUrl, "scripted-judge", "SAEX_TEST_NO_SUCH_API_KEY", "auto", 4);
        return Task.CompletedTask;
    }

    /// <summary>Starts a judging and returns its start and every change until it ends.</summary>
    private async Task<(JudgeJobSnapshot Started, List<JudgeJobSnapshot> Changes)> JudgeAsync(PairScope pairs = PairScope.Baseline, Action<JudgeJobSnapshot>? whileRunning = null)
    {
        var changes = new List<JudgeJobSnapshot>();
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChanged(JudgeJobSnapshot s)
        {
            lock (changes)
                changes.Add(s);
            if (s.State != JudgeJobState.Running)
                ended.TrySetResult();
        }
        _jobs.Changed += OnChanged;
        try
        {
            var started = _jobs.Start(_runId, pairs);
            whileRunning?.Invoke(started);
            await ended.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return (started, changes);
        }
        finally
        {
            _jobs.Changed -= OnChanged;
        }
    }

    [Fact]
    public async Task A_judging_reports_growing_progress_and_stores_verdicts_the_page_then_shows()
    {
        var (started, changes) = await JudgeAsync();

        Assert.Equal(new JudgeJobSnapshot(_runId, "scripted-judge", JudgeJobState.Running, 0, Calls, 0, null), started);
        var end = changes[^1];
        Assert.Equal(new JudgeJobSnapshot(_runId, "scripted-judge", JudgeJobState.Completed, Calls, Calls, 0, null), end);
        var done = changes.Where(c => c.State == JudgeJobState.Running).Select(c => c.Done).ToList();
        Assert.Equal(done.Order(), done);
        Assert.Equal(end, _jobs.Latest(_runId));

        var judgements = _store.GetJudgements(_runId, "scripted-judge")!;
        Assert.Equal((18, 30), (judgements.Pointwise.Count, judgements.Pairwise.Count));
        var view = await new AnswersQueryHandler(_store).Handle(new AnswersQuery(_runId, null, "gravity", null), CancellationToken.None);
        Assert.Equal("scripted-judge", view.Judge);
        Assert.All(view.Conditions, c => Assert.Equal(7.0, c.Answer!.Rubric!.Mean));
        // The scripted judge always prefers A: each answer wins where it is shown first, so the orders never agree.
        var novice = Assert.Single(view.Conditions, c => c.Condition == "novice").Answer!.Pairs;
        Assert.Equal([("standard", "baseline"), ("novice", AnswersTestData.Arm)], novice.Select(p => (p.OpponentCondition, p.OpponentArm)));
        Assert.All(novice, p => Assert.Equal((Versus.Won, Versus.Lost, false, Versus.Tie), (p.AsA, p.AsB, p.Agreed, p.Overall)));

        // Judging again sends nothing: every call is in the store.
        int sent = _judge.Authorizations.Count;
        var (_, again) = await JudgeAsync();
        Assert.Equal((JudgeJobState.Completed, Calls), (again[^1].State, again[^1].Cached));
        Assert.Equal(sent, _judge.Authorizations.Count);
    }

    [Fact]
    public void A_remote_endpoint_without_its_key_is_refused_before_anything_starts()
    {
        _settings.Current = _settings.Current with { BaseUrl = "https://judge.invalid/v1" };

        var e = Assert.Throws<SettingsException>(() => _jobs.Start(_runId, PairScope.Baseline));

        Assert.Equal(SettingsField.Judge, e.Field);
        Assert.Contains("$SAEX_TEST_NO_SUCH_API_KEY is not set", e.Message);
        Assert.Null(_jobs.Latest(_runId));
    }

    [Fact]
    public async Task A_refused_key_ends_the_judging_with_one_line_and_stores_no_verdicts()
    {
        _judge.Fallback = ScriptedServer.Failing(401);

        var (_, changes) = await JudgeAsync();

        var end = changes[^1];
        Assert.Equal(JudgeJobState.Failed, end.State);
        Assert.Contains("refused the API key (HTTP 401)", end.Error);
        Assert.DoesNotContain('\n', end.Error!);
        Assert.Empty(_store.ListJudges(_runId));
    }

    [Fact]
    public async Task A_judging_can_be_cancelled_and_a_run_is_judged_once_at_a_time()
    {
        _judge.SlowDown(TimeSpan.FromSeconds(2));
        _settings.Current = _settings.Current with { Concurrency = 1 };

        var (_, changes) = await JudgeAsync(whileRunning: _ =>
        {
            var twice = Assert.Throws<RefusedException>(() => _jobs.Start(_runId, PairScope.All));
            Assert.Contains("is being judged already", twice.Message);
            Assert.True(_jobs.Cancel(_runId));
        });

        Assert.Equal(JudgeJobState.Cancelled, changes[^1].State);
        Assert.False(_jobs.Cancel(_runId));
        Assert.Empty(_store.ListJudges(_runId));
    }

    public async Task DisposeAsync()
    {
        await _judge.DisposeAsync();
        _store.Dispose();
        _directory.Dispose();
    }
}
