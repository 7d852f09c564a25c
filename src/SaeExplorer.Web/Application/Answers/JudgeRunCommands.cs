using Mediator;
using SaeExplorer.Judge;

namespace SaeExplorer.Web.Application.Answers;

/// <summary>
/// Starts judging a run's answers (every arm, pointwise and pairwise) with the judge settings in use; the judging goes on
/// after the page is gone. Fails at once, with a message, when the settings, the run or the key cannot work.
/// </summary>
/// <param name="Pairs">pairwise: each condition with the baseline condition, or every pair of conditions within a topic</param>
public sealed record StartJudgeCommand(string RunId, PairScope Pairs) : IRequest<JudgeJobSnapshot>;

/// <summary>Stops a run's judging; the replies received so far stay cached. False if the run is not being judged.</summary>
public sealed record CancelJudgeCommand(string RunId) : IRequest<bool>;

/// <summary>The run's judging now or the last one since the app started (null: none).</summary>
public sealed record JudgeJobQuery(string RunId) : IRequest<JudgeJobSnapshot?>;
