using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Errors;
using SaeExplorer.Inference.Live;
using SaeExplorer.Inference.Pipeline;
using SaeExplorer.Runs.Autointerp;
using SaeExplorer.Storage;
using SaeExplorer.Web.Application.Features;
using SaeExplorer.Web.Application.Live;
using SaeExplorer.Web.Application.Runs;

namespace SaeExplorer.Web.Application.Compare;

public sealed class RunOutlineHandler(RunCatalog runs) : IRequestHandler<RunOutlineQuery, RunOutline>
{
    public async ValueTask<RunOutline> Handle(RunOutlineQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        var prompts = run.Result.Prompts.Select(p => new PromptEntry(p.Prompt.Id, p.Prompt.Condition, p.Prompt.Topic)).ToList();
        var (a, b) = DefaultPair(prompts);
        return new RunOutline(run.RunId, run.PromptSet.Name, run.ConditionOrder, prompts, run.Result.DSae, a, b);
    }

    /// <summary>The seed design's most telling pair (novice vs expert on one topic) when the run has it.</summary>
    public static (string A, string B) DefaultPair(IReadOnlyList<PromptEntry> prompts)
    {
        if (prompts.Count == 0)
            throw new ArgumentException("the run has no prompts.", nameof(prompts));
        var first = prompts.FirstOrDefault(p => p.Condition == "novice") ?? prompts[0];
        var partner = prompts.FirstOrDefault(p => p.Topic == first.Topic && p.Condition == "expert" && p.Id != first.Id)
            ?? prompts.FirstOrDefault(p => p.Topic == first.Topic && p.Id != first.Id)
            ?? prompts.FirstOrDefault(p => p.Id != first.Id)
            ?? first;
        return (first.Id, partner.Id);
    }
}

public sealed class ConditionCountsHandler(RunCatalog runs, RunViewCache views) : IRequestHandler<ConditionCountsQuery, IReadOnlyList<ConditionActivity>>
{
    private sealed record Key(string RunId, Core.Features.PoolingMethod Pooling);

    public async ValueTask<IReadOnlyList<ConditionActivity>> Handle(ConditionCountsQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        // Off the circuit's thread: the bootstrap is a few thousand resamples per condition.
        return await Task.Run(() => views.Result(new Key(run.RunId, request.Pooling),
            () => ConditionActivities.Compute(views.Pooled(run, request.Pooling), run.ConditionOrder)), cancellationToken);
    }
}

public sealed class CompareConditionsHandler(RunCatalog runs, RunViewCache views, LiveModelService models, FeatureStore store)
    : IRequestHandler<CompareConditionsQuery, ConditionComparison>
{
    /// <summary>How many exclusive latents per side the page lists (the counts are exact; the lists are for clicking).</summary>
    public const int ExclusiveShown = 40;

    private sealed record Key(string RunId, Core.Features.PoolingMethod Pooling, string A, string? B);

    private sealed record Computed(ContrastResult Summary, ContrastStatisticsReport Statistics, IReadOnlyList<ExclusiveFeature> ExclusiveA, IReadOnlyList<ExclusiveFeature> ExclusiveB);

    public async ValueTask<ConditionComparison> Handle(CompareConditionsQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        if (!run.ConditionOrder.Contains(request.A))
            throw new ArgumentException($"run {run.RunId} has no condition '{request.A}'; it has {string.Join(", ", run.ConditionOrder)}.");
        if (request.B is { } b && !run.ConditionOrder.Contains(b))
            throw new ArgumentException($"run {run.RunId} has no condition '{b}'; it has {string.Join(", ", run.ConditionOrder)}.");
        if (request.B == request.A)
            throw new ArgumentException($"condition A and B are both '{request.A}'; pick two different ones, or \"rest\" for B.");
        var contrast = new Contrast(request.A, request.B);
        var computed = await Task.Run(() => views.Result(new Key(run.RunId, request.Pooling, request.A, request.B), () =>
        {
            var pooled = views.Pooled(run, request.Pooling);
            var stats = ContrastStatistics.Compute(pooled, contrast);
            return new Computed(FeatureDiff.Compare(pooled, contrast), stats, Exclusive(stats, SeparatedSide.A), Exclusive(stats, SeparatedSide.B));
        }), cancellationToken);
        var (labels, explained) = models.Current is { } model
            ? (store.Labels(model.SaeFingerprint).Where(l => l.Value.Label.Length > 0).ToDictionary(l => l.Key, l => l.Value.Label),
                store.LatestExplanations(model.SaeFingerprint))
            : (new Dictionary<int, string>(), new Dictionary<int, ExplanationSummary>());
        return new ConditionComparison(computed.Summary, computed.Statistics, computed.ExclusiveA, computed.ExclusiveB, labels, explained);
    }

    /// <summary>Latents active on one side only: in the most prompts of that side first, then by mean value.</summary>
    public static IReadOnlyList<ExclusiveFeature> Exclusive(ContrastStatisticsReport report, SeparatedSide side) =>
        report.Features
            .Where(f => side == SeparatedSide.A ? f.ActiveA > 0 && f.ActiveB == 0 : f.ActiveB > 0 && f.ActiveA == 0)
            .Select(f => side == SeparatedSide.A ? new ExclusiveFeature(f.Feature, f.ActiveA, f.MeanA) : new ExclusiveFeature(f.Feature, f.ActiveB, f.MeanB))
            .OrderByDescending(f => f.Prompts).ThenByDescending(f => f.MeanActivation).ThenBy(f => f.Feature)
            .Take(ExclusiveShown)
            .ToList();
}

public sealed class PairedTopicsHandler(RunCatalog runs, RunViewCache views) : IRequestHandler<PairedTopicsQuery, PairedTopics>
{
    public async ValueTask<PairedTopics> Handle(PairedTopicsQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        foreach (var condition in new[] { request.A, request.B }.Where(c => !run.ConditionOrder.Contains(c)))
            throw new ArgumentException($"run {run.RunId} has no condition '{condition}'; it has {string.Join(", ", run.ConditionOrder)}.");
        if (request.Feature is { } f && (f < 0 || f >= run.Result.DSae))
            throw new ArgumentException($"feature {f} is outside the SAE's 0..{run.Result.DSae - 1}.");
        // Off the circuit's thread: the first request for a pooling pools every prompt of the run.
        return await Task.Run(() =>
        {
            var pooled = views.Pooled(run, request.Pooling);
            return request.Feature is { } feature
                ? TopicPairs.Pair(pooled, request.A, request.B, TopicPairs.FeatureMetric(feature), TopicPairs.FeatureValue(feature))
                : TopicPairs.Pair(pooled, request.A, request.B, TopicPairs.ActiveCountMetric, TopicPairs.ActiveCount);
        }, cancellationToken);
    }
}

public sealed class PromptDiffHandler(RunCatalog runs, LiveModelService models) : IRequestHandler<PromptDiffQuery, PromptDiffResult>
{
    public async ValueTask<PromptDiffResult> Handle(PromptDiffQuery request, CancellationToken cancellationToken)
    {
        var run = await runs.OpenAsync(request.RunId, cancellationToken);
        // Read as the Live page reads tokens: a character split over byte-level tokens once, not as "�" per piece (#14 A13).
        IReadOnlyList<string> decode(IReadOnlyList<int> ids) => models.TokenPieces(ids).Select(p => p.Text).ToList();
        var promptA = RunViews.Find(run.Result, request.IdA);
        var a = RunViews.ForDiff(promptA, decode);
        if (string.IsNullOrWhiteSpace(request.TypedB))
            return PromptDiff.Compare(a, RunViews.ForDiff(RunViews.Find(run.Result, request.IdB), decode));
        // The run's features came from its model and SAE: a text read by another would be compared with other latents.
        if (models.Current is not { } loaded || loaded.SaeFingerprint != run.Model.SaeFingerprint)
            throw new RefusedException($"run {run.RunId} was made with another model or SAE than the loaded one; load its model (Experiments → Load its model) to diff your text against its prompts.");
        string? system = promptA.Prompt.Messages.FirstOrDefault(m => m.Role == "system")?.Content;
        var typed = await models.AnalyzeAsync(new PromptInput(request.TypedB, RunPromptQueryHandler.LiveChatFormat(run.Result.ChatFormat), system), cancellationToken);
        return PromptDiff.Compare(a, RunViews.ForDiff(TypedPrompt.Id, typed.TokenIds, typed.UserTokenPositions, typed.Features, decode));
    }
}
