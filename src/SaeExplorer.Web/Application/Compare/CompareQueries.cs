using Mediator;
using SaeExplorer.Core.Analysis;
using SaeExplorer.Core.Features;
using SaeExplorer.Runs.Autointerp;

namespace SaeExplorer.Web.Application.Compare;

/// <summary>What a page needs to offer choices for a run: its conditions, its prompts and the SAE's width.</summary>
public sealed record RunOutlineQuery(string RunId) : IRequest<RunOutline>;

public sealed record PromptEntry(string Id, string Condition, string Topic);

/// <param name="DefaultDiffA">The prompt the diff starts with: the first topic's "novice" prompt if the run has one, else the first prompt.</param>
/// <param name="DefaultDiffB">Its partner: the same topic's "expert" prompt, else the next prompt of the same topic, else the second prompt.</param>
public sealed record RunOutline(string RunId, string ExperimentName, IReadOnlyList<string> Conditions, IReadOnlyList<PromptEntry> Prompts, int FeatureCount,
    string DefaultDiffA, string DefaultDiffB);

/// <summary>Per-condition active-feature counts (mean per prompt, bootstrap 95% CI) of a run pooled one way.</summary>
public sealed record ConditionCountsQuery(string RunId, PoolingMethod Pooling) : IRequest<IReadOnlyList<ConditionActivity>>;

/// <summary>Condition <paramref name="A"/> against <paramref name="B"/>, or against all other conditions when B is null.</summary>
public sealed record CompareConditionsQuery(string RunId, PoolingMethod Pooling, string A, string? B) : IRequest<ConditionComparison>;

/// <summary>A latent active on one side only, with how many of that side's prompts it fires in.</summary>
public sealed record ExclusiveFeature(int Feature, int Prompts, double MeanActivation);

/// <param name="Summary">Counts, unions and perfectly separating latents (<see cref="FeatureDiff.Compare"/>).</param>
/// <param name="Statistics">Per-latent tests and effect sizes (<see cref="ContrastStatistics.Compute"/>).</param>
/// <param name="ExclusiveToA">Latents active in some A prompt and no B prompt, most widespread first (at most <see cref="CompareConditionsHandler.ExclusiveShown"/>).</param>
/// <param name="Labels">The user's labels of the loaded SAE, by latent.</param>
/// <param name="Explanations">The newest LLM explanation of each latent of the loaded SAE that has one.</param>
public sealed record ConditionComparison(
    ContrastResult Summary,
    ContrastStatisticsReport Statistics,
    IReadOnlyList<ExclusiveFeature> ExclusiveToA,
    IReadOnlyList<ExclusiveFeature> ExclusiveToB,
    IReadOnlyDictionary<int, string> Labels,
    IReadOnlyDictionary<int, ExplanationSummary> Explanations);

/// <summary>
/// Condition <paramref name="A"/> and <paramref name="B"/> paired by topic: per topic the number of active features, or
/// <paramref name="Feature"/>'s value when given.
/// </summary>
public sealed record PairedTopicsQuery(string RunId, PoolingMethod Pooling, string A, string B, int? Feature) : IRequest<PairedTopics>;

/// <summary>Two prompts of a run aligned token by token, with the features each token gains or loses.</summary>
/// <remarks>
/// With <paramref name="TypedB"/>, B is that text instead of a prompt of the run: rendered as prompt A was (the run's chat
/// format and A's system prompt) and run through the loaded model, which must be the run's.
/// </remarks>
public sealed record PromptDiffQuery(string RunId, string IdA, string IdB, string? TypedB = null) : IRequest<PromptDiffResult>;

/// <summary>The prompt id a typed text gets in a diff.</summary>
public static class TypedPrompt
{
    public const string Id = "your text";
}
