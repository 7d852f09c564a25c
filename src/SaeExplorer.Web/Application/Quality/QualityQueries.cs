using Mediator;
using SaeExplorer.Runs;
using SaeExplorer.Runs.Judging;
using SaeExplorer.Storage;

namespace SaeExplorer.Web.Application.Quality;

/// <summary>A run that has judged answers, and the judges that judged it.</summary>
public sealed record JudgedRun(string RunId, string ExperimentName, IReadOnlyList<string> Judges);

/// <summary>Runs of the store with at least one judge's verdicts, newest first.</summary>
public sealed record ListJudgedRunsQuery : IRequest<IReadOnlyList<JudgedRun>>;

/// <summary>The quality analysis of one judged run by one judge (the run's first judge when none is named).</summary>
public sealed record QualityViewQuery(string RunId, string? Judge) : IRequest<QualityView>;

/// <summary>The analysis and, for hover and click, each answer's topic and text.</summary>
public sealed record QualityView(string RunId, string Judge, IReadOnlyList<string> Judges, QualityAnalysisResult Result,
    IReadOnlyDictionary<AnswerRef, (string Topic, string Text)> Answers);

public sealed class QualityHandlers(FeatureStore store) :
    IRequestHandler<ListJudgedRunsQuery, IReadOnlyList<JudgedRun>>,
    IRequestHandler<QualityViewQuery, QualityView>
{
    /// <summary>
    /// Resamples of every interval on the page: enough for two stable digits, and quick on a 2-core box; <c>saex
    /// triangle</c> defaults to 2,000 for the paper's numbers.
    /// </summary>
    public const int Resamples = 1000;

    public ValueTask<IReadOnlyList<JudgedRun>> Handle(ListJudgedRunsQuery request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<JudgedRun>>([.. store.ListRuns().Reverse()
            .Select(r => new JudgedRun(r.RunId, r.ExperimentName, store.ListJudges(r.RunId)))
            .Where(r => r.Judges.Count > 0)]);

    public ValueTask<QualityView> Handle(QualityViewQuery request, CancellationToken cancellationToken)
    {
        var (run, _, set) = new RunLifecycle(store).Reopen(request.RunId);
        var judges = store.ListJudges(run.RunId);
        string judge = request.Judge is { } named && judges.Contains(named) ? named
            : judges.FirstOrDefault() ?? throw new ArgumentException($"run {run.RunId} has not been judged yet: `saex judge --run {run.RunId}`.");
        var judgements = store.GetJudgements(run.RunId, judge)!;
        var arms = store.ListArms(run.RunId).Select(a => store.GetAnswerSet(run.RunId, a)!).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var result = QualityAnalysis.Run(set, arms, judgements, resamples: Resamples);
        var answers = arms.SelectMany(a => a.Answers.Select(x => (Key: new AnswerRef(a.Arm, x.PromptId), Value: (x.Topic, x.Text))))
            .ToDictionary(x => x.Key, x => x.Value);
        return ValueTask.FromResult(new QualityView(run.RunId, judge, judges, result, answers));
    }
}
